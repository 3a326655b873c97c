import { createHash } from 'node:crypto';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Knex } from 'knex';
import { afterAll, beforeAll, expect } from 'vitest';
import { createDb } from '../../server/db.js';
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js';
import type { ApiResponse } from './http.js';
import { startTestServer, type RunningServer } from './server.js';

/**
 * Sign-in rate limits are switched off for the API suite so that tests which log in many times
 * (concurrency, paging) measure what they mean to; the rate-limit test turns them back on.
 */
export const NO_SIGNIN_LIMITS = { SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '0' };

export interface ApiSuite {
  /** Base URL of the running server, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly server: RunningServer;
  readonly database: TestDatabase;
  /** A separate knex connection to the same database, for arranging and inspecting rows. */
  readonly db: Knex;
  readonly dialect: Dialect;
  /** Stops the current server and starts a new one on the same database (same env unless given). */
  restart(env?: Record<string, string>): Promise<void>;
}

/**
 * Registers beforeAll/afterAll in the calling describe: a fresh database for the dialect, the real
 * server on port 0 in front of it, and a knex handle for direct checks. Read fields inside tests.
 */
export function useApiServer(dialect: Dialect, env: Record<string, string> = {}): ApiSuite {
  const state: { server?: RunningServer; database?: TestDatabase; db?: Knex; env: Record<string, string> } = {
    env: { ...NO_SIGNIN_LIMITS, ...env },
  };
  const suite: ApiSuite = {
    get url() {
      return state.server!.url;
    },
    get server() {
      return state.server!;
    },
    get database() {
      return state.database!;
    },
    get db() {
      return state.db!;
    },
    dialect,
    async restart(nextEnv) {
      await state.server!.stop();
      state.server = undefined;
      state.server = await startTestServer(state.database!.url, nextEnv ? { ...NO_SIGNIN_LIMITS, ...nextEnv } : state.env);
    },
  };
  beforeAll(async () => {
    state.database = await createTestDatabase(dialect);
    state.server = await startTestServer(state.database.url, state.env);
    state.db = createDb(state.database.url);
  });
  afterAll(async () => {
    await state.server?.stop();
    await state.db?.destroy();
    await state.database?.drop();
  });
  return suite;
}

export const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
export const BASE64URL_256_BITS = /^[A-Za-z0-9_-]{43}$/;
export const NIL_USER_ID = '00000000-0000-4000-8000-000000000000';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The contract's database time text for a Date: 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
export function dbTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Asserts a REST error reply: status, JSON content type and the contract's `{code, message}` body. */
export function expectRestError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { code } });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message.length).toBeGreaterThan(0);
}

/** A validation error: 400 BAD_REQUEST with a non-empty `issues` list naming `field`. */
export function expectValidationError(res: ApiResponse, field: string): void {
  expectRestError(res, 400, 'BAD_REQUEST');
  expect(Array.isArray(res.body.issues)).toBe(true);
  expect(res.body.issues.length).toBeGreaterThan(0);
  expect(res.body.issues.map((issue: { path: unknown[] }) => issue.path.join('.'))).toContain(field);
}

/** What a tRPC HTTP reply carries as its error code (`error.data.code`), batched or not. */
export function trpcErrorCode(body: unknown): string | undefined {
  const entry = Array.isArray(body) ? body[0] : body;
  return (entry as { error?: { data?: { code?: string } } })?.error?.data?.code;
}

export { freePort } from './process.js';

export interface TcpProxy {
  port: number;
  /** Stops listening and cuts every open connection (the database "goes away"). */
  close(): Promise<void>;
  /** Listens again on the same port. */
  open(): Promise<void>;
  /** Keeps every connection open but forwards nothing (the database "stops answering"). */
  freeze(): void;
  /** Delivers everything held back while frozen, and forwards again. */
  thaw(): void;
  /** The connections open now silently drop everything from then on, never closed (a network black hole); new ones work. */
  blackHoleExisting(): void;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, that a test can cut and restore. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const blackHoled = new WeakSet<Socket>();
  const held: [Socket, Buffer][] = [];
  let frozen = false;
  let server: NetServer | null = null;
  let port = 0;

  const listen = async () => {
    const next = createNetServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client);
      sockets.add(upstream);
      const forget = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', forget).on('close', forget);
      upstream.on('error', forget).on('close', forget);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (blackHoled.has(from)) return;
          if (frozen) held.push([to, chunk]);
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as { port: number }).port;
    server = next;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    async close() {
      const closing = server;
      server = null;
      if (closing) await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
    },
    async open() {
      if (!server) await listen();
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    blackHoleExisting() {
      for (const socket of sockets) blackHoled.add(socket);
    },
  };
}
