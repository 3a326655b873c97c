import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { App } from './app.js';
import { createContextFactory } from './context.js';
import { createDb, migrateToLatest, pingDb } from './db.js';
import { serveDocs } from './docs.js';
import type { Config } from './env.js';
import { createLogger, type Logger } from './logger.js';
import { projectRoot } from './projectRoot.js';
import { createRedis } from './redis.js';
import { EventHub } from './services/eventHub.js';
import { createSigninLimits } from './services/rateLimits.js';
import { buildOpenApiDocument } from './openapi.js';
import { sendError, sendJson } from './responses.js';
import { trpcResponseMeta } from './responseMeta.js';
import { createRestHandler } from './rest.js';
import { MAX_BODY_BYTES } from './requestBody.js';
import { adapterProcedurePath, prepareTrpcBody, refuseUnusableHost, refuseUnusableStream } from './trpcRequests.js';
import { createDirectTrpcHandler, MAX_BATCH_SIZE } from './trpcDirectCalls.js';
import { startHousekeeping } from './services/housekeeping.js';
import { appRouter } from './routers/_app.js';
import { sendStaticFile } from './staticFiles.js';

const clientRoot = join(projectRoot, 'client', 'dist');

const CORS_HEADERS = 'Content-Type, X-Session-Token, Authorization, X-Webhook-Signature, Last-Event-ID';

export interface ExchangeServer {
  server: Server;
  app: App;
  /** Applies migrations, then listens; resolves with the URL it listens on. */
  start(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, closes the database pool. */
  stop(): Promise<void>;
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  // Session tokens, balances and history must not be kept by browsers or proxies; static files
  // (docs, client assets) set their own Cache-Control over this.
  res.setHeader('Cache-Control', 'no-store');
}

/** CORS for PUBLIC_ORIGIN only; answers preflights. Returns true when the request is handled. */
function handleCors(req: IncomingMessage, res: ServerResponse, allowedOrigin: string): boolean {
  const origin = req.headers.origin;
  const allowed = origin === allowedOrigin;
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', allowedOrigin);
    res.setHeader('Vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (!allowed) {
    sendError(res, 403, 'FORBIDDEN', 'Cross-origin requests are only accepted from this exchange\'s own origin.');
    return true;
  }
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', CORS_HEADERS);
  res.setHeader('Access-Control-Max-Age', '600');
  res.statusCode = 204;
  res.end();
  return true;
}

export interface ServerOptions {
  config: Config;
  log?: Logger;
  /**
   * Answer plain tRPC calls without the adapter's Fetch round trip (trpcDirectCalls.ts); on
   * unless a test compares the two.
   */
  directTrpcCalls?: boolean;
}

export function createServer(opts: ServerOptions): ExchangeServer {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.logLevel);
  const db = createDb(config.databaseUrl, log);
  const redis = config.redisUrl ? createRedis(config.redisUrl, log) : undefined;
  const events = new EventHub(log, redis);
  const app: App = { config, db, log, redis, events, signinLimits: createSigninLimits(config, redis) };
  const createContext = createContextFactory(app);

  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req }) => createContext({ req }),
    maxBodySize: MAX_BODY_BYTES,
    // One request must not be able to run thousands of procedures.
    maxBatchSize: MAX_BATCH_SIZE,
    responseMeta: trpcResponseMeta as never,
  });
  const directTrpc = opts.directTrpcCalls === false ? null : createDirectTrpcHandler((req) => createContext({ req }));
  const restHandler = createRestHandler(app);
  const openApiJson = JSON.stringify(buildOpenApiDocument());
  let housekeeping: ReturnType<typeof startHousekeeping> | null = null;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0];
    if (handleCors(req, res, config.publicOrigin)) return;

    if (path === '/healthz') {
      const up = await pingDb(db);
      return sendJson(res, up ? 200 : 503, up ? { status: 'ok', database: 'ok' } : { status: 'unavailable', database: 'down' });
    }
    if (path === '/api/openapi.json') {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(openApiJson);
      return;
    }
    if (path.startsWith('/api/docs')) {
      if (serveDocs(res, path)) return;
      return sendError(res, 404, 'NOT_FOUND', `No such page: ${path}`);
    }
    if (path.startsWith('/api/')) return restHandler(req, res, url.slice('/api'.length));
    if (path.startsWith('/trpc/')) {
      if (refuseUnusableHost(req, res)) return;
      if (adapterProcedurePath(path) === 'users.events' && (await refuseUnusableStream(db, req, res))) return;
      if (!(await prepareTrpcBody(req, res))) return;
      if (directTrpc && (await directTrpc(req, res, url))) return;
      return trpcHandler(req, res);
    }

    if (req.method === 'GET' || req.method === 'HEAD') {
      res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
      if (path === '/' || path === '/index.html') {
        if (sendStaticFile(res, clientRoot, 'index.html', 'no-cache')) return;
        return sendError(res, 503, 'SERVICE_UNAVAILABLE', 'The web client is not built yet: run npm run build:client.');
      }
      if (path.startsWith('/assets/') && sendStaticFile(res, clientRoot, path, 'public, max-age=31536000, immutable')) return;
      if (/^\/[\w.-]+\.(svg|ico|png)$/.test(path) && sendStaticFile(res, clientRoot, path, 'public, max-age=3600')) return;
    }
    sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${path}.`);
  }

  function logWhenFinished(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: (req.url ?? '').split('?', 1)[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
  }

  // The per-request log line costs a listener and a timer read on every request: only at debug level.
  const logRequests = log.isLevelEnabled('debug');
  const server = createHttpServer((req, res) => {
    if (logRequests) logWhenFinished(req, res);
    route(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side. Please try again in a moment.');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  // Requests Node refuses before routing (headers or URL over its limit, malformed HTTP) get a
  // JSON error too, instead of a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', 'BAD_REQUEST', 'The request headers or URL are too long.']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'TIMEOUT', 'The request took too long to arrive.']
          : ['400 Bad Request', 'BAD_REQUEST', 'The request is not valid HTTP.'];
    const body = JSON.stringify({ code, message });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  return {
    server,
    app,
    async start() {
      await migrateToLatest(db);
      housekeeping = startHousekeeping(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      log.info({ url, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'), demo_mode: config.demoMode }, 'AITBC exchange listening');
      return url;
    },
    async stop() {
      // Live subscriptions end first, so their connections do not hold the server open.
      events.close();
      await new Promise<void>((resolve) => {
        // Keep-alive connections still busy now would otherwise linger for keepAliveTimeout
        // (65 s) after their response: close each one as soon as it goes idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      await housekeeping?.stop();
      await db.destroy();
      redis?.disconnect();
    },
  };
}
