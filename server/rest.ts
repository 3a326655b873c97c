import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { App } from './app.js';
import { createContextFactory } from './context.js';
import { sendJson, sendError } from './responses.js';
import { appRouter } from './routers/_app.js';
import { trpcResponseMeta } from './responseMeta.js';

export const MAX_BODY_BYTES = 64 * 1024;

type BodyResult = { ok: true; text: string } | { ok: false; status: 413 };

async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413 };
    chunks.push(chunk);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

interface ErrorBody {
  code?: string;
  message?: string;
  data?: { issues?: unknown[] };
}

/** Rewrites trpc-to-openapi's error body to the contract's `{code, message, issues?}`. */
function contractErrorBody(raw: string): { code: string; message: string; issues?: unknown[] } {
  const body = JSON.parse(raw) as ErrorBody;
  const issues = body.data?.issues;
  const message =
    issues && issues.length
      ? `Invalid input: ${(issues as { path: unknown[]; message: string }[]).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`
      : (body.message ?? 'Request failed');
  return { code: body.code ?? 'INTERNAL_SERVER_ERROR', message, ...(issues ? { issues } : {}) };
}

/**
 * REST over the same procedures. The body is read and checked here (64 KiB, JSON only, valid
 * JSON; an empty body counts as `{}`), then trpc-to-openapi runs the procedure on a Fetch
 * Request, and its reply is written with the contract's error shape.
 */
export function createRestHandler(app: App) {
  const handler = createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: createContextFactory(app) as never,
    responseMeta: trpcResponseMeta as never,
  });

  return async (req: IncomingMessage, res: ServerResponse, pathAndQuery: string): Promise<void> => {
    const method = req.method ?? 'GET';
    let parsed: unknown;
    let rawBody: string | null = null;
    if (method !== 'GET' && method !== 'DELETE' && method !== 'HEAD') {
      const body = await readBody(req);
      if (!body.ok) {
        res.setHeader('Connection', 'close');
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
      }
      rawBody = body.text;
      if (body.text.trim() === '') {
        parsed = {};
      } else {
        const contentType = req.headers['content-type'] ?? '';
        if (!/^application\/json\s*(;|$)/i.test(contentType)) {
          return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON with Content-Type: application/json.');
        }
        try {
          parsed = JSON.parse(body.text);
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
        }
      }
    }

    const headers = toHeaders(req);
    if (parsed !== undefined) headers.set('content-type', 'application/json');
    const fetchRequest = new Request(`http://internal${pathAndQuery}`, { method, headers });
    const request = new Proxy(fetchRequest, {
      get(target, prop) {
        if (prop === 'url') return pathAndQuery;
        if (prop === 'body') return parsed;
        if (prop === 'nodeRequest') return req;
        if (prop === 'rawBody') return rawBody;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const reply = { statusCode: 200, headers: {} as Record<string, string>, body: '' };
    await handler(request as never, {
      set statusCode(code: number) { reply.statusCode = code; },
      get statusCode() { return reply.statusCode; },
      setHeader(name: string, value: string) { reply.headers[name.toLowerCase()] = value; },
      end(text: string) { reply.body = text ?? ''; },
    } as never);

    for (const [name, value] of Object.entries(reply.headers)) if (name !== 'content-type') res.setHeader(name, value);
    if (reply.statusCode >= 400) {
      return sendJson(res, reply.statusCode, contractErrorBody(reply.body));
    }
    res.statusCode = reply.statusCode;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(reply.body);
  };
}
