import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from './db.js';
import { readToken } from './context.js';
import { quoteInexactNumbers } from './jsonNumbers.js';
import { MAX_BODY_BYTES, readBody } from './requestBody.js';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { sendError, sendJson } from './responses.js';
import { authenticate, type Authenticated } from './services/sessions.js';
import { isDatabaseUnavailable } from './dbErrors.js';

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
    // In tRPC's own error envelope, so tRPC clients read it like any other error.
    sendJson(res, 413, {
      error: {
        message: `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`,
        code: TRPC_ERROR_CODES_BY_KEY.PAYLOAD_TOO_LARGE,
        data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
      },
    });
    return false;
  }
  let text = body.text;
  try {
    JSON.parse(text);
    text = quoteInexactNumbers(text);
  } catch {
    // not JSON: tRPC answers with its own parse error
  }
  (req as IncomingMessage & { body?: string }).body = text;
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
