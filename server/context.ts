import type { IncomingMessage } from 'node:http';
import type { App } from './app.js';

/**
 * Both adapters (tRPC standalone and our REST handler) hand us a Node IncomingMessage; a Fetch
 * Request (with the original message as `nodeRequest`) is read the same way.
 */
type AnyRequest = IncomingMessage | (Request & { nodeRequest?: IncomingMessage });

export interface Context extends App {
  /** The session token from X-Session-Token or Authorization: Bearer; never from the URL. */
  token: string | null;
  ip: string;
  userAgent: string | null;
  /** The request body exactly as received (REST only; null on the tRPC adapter). Webhook signatures cover it. */
  rawBody?: string | null;
  webhookSignature?: string | null;
}

function header(req: AnyRequest, name: string): string | null {
  if (typeof (req.headers as Headers).get === 'function') return (req.headers as Headers).get(name);
  const value = (req as IncomingMessage).headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function nodeRequestOf(req: AnyRequest): IncomingMessage | undefined {
  const fromRest = (req as { nodeRequest?: IncomingMessage }).nodeRequest;
  return fromRest ?? ('socket' in req ? (req as IncomingMessage) : undefined);
}

export function readToken(req: AnyRequest): string | null {
  const direct = header(req, 'x-session-token')?.trim();
  if (direct) return direct;
  const bearer = header(req, 'authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
  return bearer ? bearer[1] : null;
}

export function clientIp(req: AnyRequest, trustProxy: boolean): string {
  if (trustProxy) {
    // Our proxy appends the address it saw; anything before that came from the client and can be forged.
    const forwarded = header(req, 'x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return nodeRequestOf(req)?.socket.remoteAddress ?? 'unknown';
}

export function createContextFactory(app: App) {
  // App's fields are listed, not spread: on Node 20, `{ ...app, more }` costs microseconds a
  // request (V8 leaves its fast object-clone path when properties follow a spread).
  return ({ req, rawBody }: { req: AnyRequest; rawBody?: string | null }): Context => ({
    config: app.config,
    db: app.db,
    log: app.log,
    signinLimits: app.signinLimits,
    events: app.events,
    redis: app.redis,
    token: readToken(req),
    ip: clientIp(req, app.config.trustProxy),
    userAgent: header(req, 'user-agent')?.slice(0, 255) ?? null,
    rawBody: rawBody ?? null,
    webhookSignature: header(req, 'x-webhook-signature'),
  });
}
