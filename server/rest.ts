import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import {
  coerceSchema,
  forEachOpenApiProcedure,
  getInputOutputParsers,
  getPathRegExp,
  instanceofZodTypeKind,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  instanceofZodTypeOptional,
  normalizePath,
  unwrapZodType,
  zodSupportsCoerce,
} from 'trpc-to-openapi';
import type { ZodObject, ZodType } from 'zod';
import type { App } from './app.js';
import { createContextFactory, type Context } from './context.js';
import { sendJson, sendError } from './responses.js';
import { appRouter } from './routers/_app.js';
import { trpcResponseMeta } from './responseMeta.js';
import { callProcedure, procedureAt, type RouterProcedure } from './procedureCalls.js';
import { describeInvalidInput } from './trpc.js';
import { MAX_BODY_BYTES, parseJsonExactly, readBody } from './requestBody.js';


interface ErrorBody {
  code?: string;
  message?: string;
  data?: { issues?: unknown[] };
}

/** The contract's error body `{code, message, issues?}` from a tRPC error shape. */
function contractErrorBody(body: ErrorBody): { code: string; message: string; issues?: unknown[] } {
  const issues = body.data?.issues;
  const message =
    issues && issues.length
      ? describeInvalidInput(issues as { path: PropertyKey[]; message: string }[])
      : (body.message ?? 'Request failed');
  return { code: body.code ?? 'INTERNAL_SERVER_ERROR', message, ...(issues ? { issues } : {}) };
}

/** One REST route: an OpenAPI path of a query or mutation, prepared once at start. */
interface RestRoute {
  method: string;
  pattern: RegExp;
  /** The procedure's path in the router, e.g. `users.balance`. */
  procedurePath: string;
  procedure: RouterProcedure;
  type: 'query' | 'mutation';
  /** False for `z.void()` inputs: the procedure is called without input. */
  takesInput: boolean;
  /** Query parameters whose schema is an array: a single value is wrapped in one. */
  arrayParams: string[];
}

function arrayParamsOf(schema: ZodObject): string[] {
  const isArray = (field: ZodType) =>
    instanceofZodTypeKind(field, 'array') || (instanceofZodTypeOptional(field) && instanceofZodTypeKind(field.unwrap(), 'array'));
  return Object.entries(schema.shape)
    .filter(([, field]) => isArray(field))
    .map(([name]) => name);
}

/**
 * The routes of every procedure with OpenAPI meta, with trpc-to-openapi's own helpers: its
 * handler redoes this (and the schema coercion) on every request; here it runs once.
 */
function restRoutes(): RestRoute[] {
  const routes: RestRoute[] = [];
  forEachOpenApiProcedure(appRouter._def.procedures, ({ path, type, procedure, meta: { openapi } }) => {
    if (type === 'subscription') return;
    const schema = unwrapZodType(getInputOutputParsers(procedure).inputParser, true);
    const isObject = zodSupportsCoerce && instanceofZodTypeObject(schema);
    if (isObject) coerceSchema(schema);
    routes.push({
      method: openapi.method,
      pattern: getPathRegExp(normalizePath(openapi.path)),
      procedurePath: path,
      procedure: procedureAt(path)!,
      type,
      takesInput: !instanceofZodTypeLikeVoid(schema),
      arrayParams: isObject ? arrayParamsOf(schema) : [],
    });
  });
  return routes;
}

function findRoute(routes: RestRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, pathInput: match.groups ?? {} };
  }
  return null;
}

/** Query parameters as trpc-to-openapi reads them: one value as a string, repeated ones as an array. */
function queryInput(url: URL, arrayParams: string[]): Record<string, unknown> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 && !arrayParams.includes(name) ? values[0] : values;
  }
  return query;
}

type Reply = { status: number; headers: Record<string, string>; body: unknown };

/** The headers the shared responseMeta adds (Retry-After on rate limits), as on the tRPC side. */
function metaHeaders(errors: TRPCError[]): Record<string, string> {
  return (trpcResponseMeta({ errors }) as { headers?: Record<string, string> }).headers ?? {};
}

/** Runs the route's procedure as a server-side caller would; errors become the contract's shape. */
async function callRoute(route: RestRoute, input: unknown, createContext: () => Context): Promise<Reply> {
  let ctx: Context | undefined;
  try {
    ctx = createContext();
    const data = await callProcedure(route.procedure, ctx, route.procedurePath, input);
    return { status: 200, headers: metaHeaders([]), body: data };
  } catch (cause) {
    return errorReply(getTRPCErrorFromUnknown(cause), route, input, ctx);
  }
}

function errorReply(error: TRPCError, route: RestRoute | null, input: unknown, ctx: Context | undefined): Reply {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error,
    type: route?.type ?? 'unknown',
    path: route?.procedurePath,
    input,
    ctx,
  });
  return {
    status: getHTTPStatusCodeFromError(error),
    headers: metaHeaders([error]),
    body: contractErrorBody({ code: error.code, message: shape.message, data: shape.data }),
  };
}

/**
 * REST over the same procedures. The body is read and checked here (64 KiB, JSON only, valid
 * JSON; an empty body counts as `{}`), the OpenAPI route is matched, and the procedure runs as
 * trpc-to-openapi's handler would run it (procedureCalls.ts), without that handler's per-request
 * costs (a Fetch Request, its abort signal and headers, route lookup and schema walks on every call).
 */
export function createRestHandler(app: App) {
  const routes = restRoutes();
  const createContext = createContextFactory(app);

  return async (req: IncomingMessage, res: ServerResponse, pathAndQuery: string): Promise<void> => {
    // HEAD is answered like GET (Node leaves the body out), so it reports the same status.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let parsed: unknown;
    let rawBody: string | null = null;
    if (method !== 'GET' && method !== 'DELETE') {
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
          parsed = parseJsonExactly(body.text);
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return sendError(res, 400, 'BAD_REQUEST', 'The request body must be a JSON object.');
        }
      }
    }

    const url = new URL(`http://internal${pathAndQuery}`);
    const found = findRoute(routes, method, normalizePath(url.pathname));
    let reply: Reply;
    if (!found) {
      reply = errorReply(new TRPCError({ code: 'NOT_FOUND', message: `No route for ${method} /api${url.pathname}.` }), null, undefined, undefined);
    } else {
      const fromRequest = method === 'GET' || method === 'DELETE' ? queryInput(url, found.route.arrayParams) : (parsed as object);
      const input = found.route.takesInput ? Object.assign({}, fromRequest, found.pathInput) : undefined;
      reply = await callRoute(found.route, input, () => createContext({ req, rawBody }));
    }

    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    if (reply.status >= 400) return sendJson(res, reply.status, reply.body);
    res.statusCode = reply.status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(reply.body));
  };
}
