import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from './db.js';
import { readToken } from './context.js';
import { quoteInexactNumbers } from './jsonNumbers.js';
import { MAX_BODY_BYTES, readBody } from './requestBody.js';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { sendError, sendJson } from './responses.js';
import { authenticate, type Authenticated } from './services/sessions.js';
import { isDatabaseUnavailable } from './dbErrors.js';

/** An error in tRPC's own envelope, so tRPC clients read it like any other error. */
function sendTrpcError(res: ServerResponse, status: 400 | 413, code: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE', message: string): void {
  sendJson(res, status, { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: status } } });
}

/** A procedure path (or a batch of them) that needs no decoding: the adapter and a plain reading agree on it. */
export const PLAIN_PROCEDURE_PATH = /^[A-Za-z0-9_.,]+$/;

/** A tRPC request whose POST body prepareTrpcBody has read: the text for the adapter, and its JSON value (null if it is not JSON). */
export type PreparedTrpcRequest = IncomingMessage & { body?: string; bodyJson?: { value: unknown } | null };

/** As the standalone adapter trims: one slash off each end. */
function trimSlashes(path: string): string {
  const start = path.startsWith('/') ? 1 : 0;
  return path.slice(start, path.endsWith('/') && path.length > start ? -1 : undefined);
}

/**
 * The procedure path the adapter reads from a /trpc URL, step for step: URL normalisation (dot
 * segments), one slash trimmed off each end, percent-decoded. Null when it cannot be decoded
 * (the adapter refuses it).
 */
export function adapterProcedurePath(pathname: string): string | null {
  const rest = pathname.slice('/trpc/'.length);
  if (PLAIN_PROCEDURE_PATH.test(rest)) return rest;
  try {
    const normalized = trimSlashes(new URL(pathname, 'http://localhost').pathname);
    return decodeURIComponent(trimSlashes(normalized.slice('trpc'.length)));
  } catch {
    return null;
  }
}

/** The last Host header that made a usable URL: clients send the same one again and again. */
let lastUsableHost: string | undefined;

/**
 * The adapter builds a URL from the Host header: one that makes no URL is refused (400) there, and
 * one with credentials (`user@host`) makes the Fetch Request throw (500). Refused here, with 400,
 * for every /trpc request. Returns false when the request was answered.
 */
export function refuseUnusableHost(req: IncomingMessage, res: ServerResponse): boolean {
  const host = req.headers.host;
  if (host === undefined || host === lastUsableHost) return false;
  let usable = false;
  try {
    const url = new URL(`http://${host}/`);
    usable = url.username === '' && url.password === '';
  } catch {
    // not a host
  }
  if (usable) {
    lastUsableHost = host;
    return false;
  }
  sendTrpcError(res, 400, 'BAD_REQUEST', 'The Host header is not a valid host name.');
  return true;
}

/**
 * Prepares a tRPC POST for the standalone adapter: the body is read here (64 KiB limit) and
 * handed over as `req.body` with inexact number literals quoted, so amounts stay exact on the
 * tRPC path too. Returns false when the request was already answered.
 */
export async function prepareTrpcBody(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'POST') return true;
  const body = await readBody(req);
  if (!body.ok) {
    res.setHeader('Connection', 'close');
    sendTrpcError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
    return false;
  }
  // A byte-order mark is dropped as the adapter's Fetch Request drops it, so that the numbers
  // after it are quoted (kept exact) like any others.
  let text = body.text.charCodeAt(0) === 0xfeff ? body.text.slice(1) : body.text;
  let json: { value: unknown } | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    const quoted = quoteInexactNumbers(text);
    // Kept for trpcDirectCalls, so the body is parsed once (twice only when a number needed quoting).
    json = { value: quoted === text ? parsed : JSON.parse(quoted) };
    text = quoted;
  } catch {
    // not JSON: tRPC answers with its own parse error
  }
  const prepared = req as PreparedTrpcRequest;
  prepared.body = text;
  prepared.bodyJson = json;
  return true;
}

/**
 * The live-event stream answers like any other call when it cannot start — 401 without a live
 * session, 403 for an account that is not active, 503 when the database is down — instead of an
 * SSE stream that carries only an error event. Returns true when the request was answered.
 */
export async function refuseUnusableStream(db: Db, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const token = readToken(req);
  if (!token) {
    sendError(res, 401, 'UNAUTHORIZED', 'Sign in first: send your session token in the X-Session-Token header.');
    return true;
  }
  let auth: Authenticated | null;
  try {
    auth = await authenticate(db, token);
  } catch (err) {
    if (!isDatabaseUnavailable(err)) throw err;
    sendError(res, 503, 'SERVICE_UNAVAILABLE', 'The database is unavailable right now. Please try again shortly.');
    return true;
  }
  if (!auth) {
    sendError(res, 401, 'UNAUTHORIZED', 'Your session has expired or was ended. Please sign in again.');
    return true;
  }
  if (auth.user.status !== 'active') {
    sendError(res, 403, 'FORBIDDEN', `This account is ${auth.user.status}.`);
    return true;
  }
  return false;
}
