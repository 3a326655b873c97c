import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_TIME, NO_SIGNIN_LIMITS, freePort } from '../support/apiSuite.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { createDb } from '../../server/db.js';
import { migrationSource } from '../../migrations/source.js';
import { buildServer, startNodeArgs } from '../../scripts/serverBuild.js';

/**
 * The server as `npm start` runs it: compiled to JavaScript (as `npm run build:server` does, into
 * a scratch folder), started by node with the start script's flags, configured only by the
 * environment, here in a time zone far from UTC (UTC+14) to show that no local time leaks anywhere.
 */
const buildDir = join('.vitest-tmp', `server-build-${process.pid}`);

beforeAll(() => buildServer(buildDir));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** `npm start`'s node arguments, with the compiled entry point taken from `buildDir`. */
function nodeArgs(): string[] {
  const args = startNodeArgs();
  expect(args.at(-1)).toBe('dist/server/index.js');
  return [...args.slice(0, -1), join(buildDir, 'server', 'index.js')];
}

describe.each(dialects)('the server process as npm start runs it (compiled, with its node flags) on %s', (dialect) => {
  let database: TestDatabase;
  let child: ChildProcess;
  let url: string;
  let stdout = '';
  let exit: Promise<[number | null, NodeJS.Signals | null]>;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const port = await freePort();
    child = spawn(process.execPath, nodeArgs(), {
      env: { ...process.env, ...NO_SIGNIN_LIMITS, TZ: 'Pacific/Kiritimati', PORT: String(port), DATABASE_URL: database.url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const deadline = Date.now() + 30_000;
    while (!/listening/.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
    await database?.drop();
  });

  it('answers /healthz once it says it is listening', async () => {
    expect((await api(url, 'GET', '/healthz')).body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('applied, from its compiled copies, exactly the migrations the sources hold', async () => {
    const db = createDb(database.url);
    try {
      const [completed, pending] = (await db.migrate.list({ migrationSource })) as [{ name: string }[], string[]];
      expect(pending).toEqual([]);
      expect(completed.map((m) => m.name)).toEqual(await migrationSource.getMigrations([]).then((names) => names.map((n) => migrationSource.getMigrationName(n))));
      expect(completed.length).toBeGreaterThan(5);
    } finally {
      await db.destroy();
    }
  });

  it('reports times in UTC although its TZ is UTC+14', async () => {
    const before = Date.now();
    const { login } = await loginNewUser(url);
    expect(Date.parse(login.created_at)).toBeGreaterThanOrEqual(before - 2000);
    expect(Date.parse(login.created_at)).toBeLessThanOrEqual(Date.now() + 2000);
  });

  it('stores times in UTC although its TZ is UTC+14', async () => {
    const before = Date.now();
    const { userId } = await loginNewUser(url);
    const db = createDb(database.url);
    try {
      const row = await db('users').where({ id: userId }).first('created_at');
      expect(String(row.created_at)).toMatch(DB_TIME);
      const stored = Date.parse(`${String(row.created_at).replace(' ', 'T')}Z`);
      expect(Math.abs(stored - before)).toBeLessThan(5000);
    } finally {
      await db.destroy();
    }
  });

  it('logs structured JSON lines without session tokens', async () => {
    const { token } = await loginNewUser(url);
    await api(url, 'GET', '/api/users/me', { token });
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
    }
    expect(stdout).not.toContain(token);
  });

  it('finishes the response in flight on SIGTERM, then exits with code 0', async () => {
    const res = await fetch(`${url}/api/docs/swagger-ui-bundle.js`);
    child.kill('SIGTERM');
    const body = await res.arrayBuffer();
    expect(body.byteLength).toBe(Number(res.headers.get('content-length')));
    const [code] = await exit;
    expect(code).toBe(0);
  });

  it('refuses new connections once stopped', async () => {
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
