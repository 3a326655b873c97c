import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import { getErrorShape, getHTTPStatusCode } from '@trpc/server/unstable-core-do-not-import';
import type { Context } from './context.js';
import { callProcedure, procedureAt, type RouterProcedure } from './procedureCalls.js';
import { trpcResponseMeta } from './responseMeta.js';
import { PLAIN_PROCEDURE_PATH, type PreparedTrpcRequest } from './trpcRequests.js';
import { appRouter } from './routers/_app.js';

/**
 * Plain JSON tRPC calls — GET queries and POST mutations, single or batched — answered with the
 * standalone adapter's exact status, headers and body, without the adapter's round trip through a
 * Fetch Request and a Fetch Response piped into a web stream: on Node 20 that round trip costs
 * several times the call itself (see README, Performance). Anything else — subscriptions,
 * streamed (jsonl) batches, unknown procedures, the wrong method, malformed input, encoded paths —
 * is left to the adapter, which answers it (or its error) as always. test/api/trpc.direct.test.ts
 * checks both give the same answers.
 */

/** The adapter's limit (http.ts): one request must not be able to run thousands of procedures. */
export const MAX_BATCH_SIZE = 20;

const config = appRouter._def._config;
/** Characters that WHATWG URL parsing (the adapter's) would strip, encode or cut at: such URLs go to the adapter. */
const URL_SENSITIVE = /[^\x21-\x7e]|#/;

/** The query parameters a plain call may carry; any other (connectionParams, say) is the adapter's to read or refuse. */
const PLAIN_PARAMS = new Set(['input', 'batch']);

interface PlannedCall {
  path: string;
  procedure: RouterProcedure;
  input: unknown;
}

type Planned = { calls: PlannedCall[]; isBatch: boolean } | null;

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

/** tRPC's own rule for a streamed (jsonl) response. */
function wantsStream(req: IncomingMessage): boolean {
  if (req.headers['trpc-accept'] !== undefined) return true;
  return req.headers.accept?.split(',').some((type) => type.trim() === 'application/jsonl') ?? false;
}

/**
 * The call's input as JSON: the `input` query parameter, or the body prepareTrpcBody read and
 * parsed. `undefined` when there is none; null when it is not JSON (the adapter answers that).
 */
function inputJson(req: PreparedTrpcRequest, query: URLSearchParams): { value: unknown } | null {
  const text = req.method === 'GET' ? query.get('input') : req.body;
  if (!text) return { value: undefined };
  if (req.method !== 'GET') return req.bodyJson ?? null;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return null;
  }
}

/**
 * The calls of a request this module answers, or null to leave it to the adapter. Does no work a
 * fallback would repeat. http.ts has already refused a Host header that makes no usable URL.
 */
function planCalls(req: PreparedTrpcRequest, url: string): Planned {
  const method = req.method;
  const type = method === 'GET' ? 'query' : method === 'POST' ? 'mutation' : null;
  if (!type || wantsStream(req) || URL_SENSITIVE.test(url)) return null;
  const contentType = req.headers['content-type'];
  if (method === 'GET' ? contentType !== undefined && !isJsonContentType(contentType) : !isJsonContentType(contentType)) return null;

  const queryAt = url.indexOf('?');
  const procedurePath = url.slice('/trpc/'.length, queryAt < 0 ? undefined : queryAt);
  if (!PLAIN_PROCEDURE_PATH.test(procedurePath)) return null;
  // With its '?', as URL parsing hands it over: URLSearchParams drops one leading '?', no more.
  const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt));
  for (const name of query.keys()) if (!PLAIN_PARAMS.has(name)) return null;
  const isBatch = query.get('batch') === '1';
  const paths = isBatch ? procedurePath.split(',') : [procedurePath];
  if (paths.length > MAX_BATCH_SIZE) return null;

  const json = inputJson(req, query);
  if (!json) return null;
  const inputs = json.value;
  if (isBatch && inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs))) return null;

  const calls: PlannedCall[] = [];
  for (const [index, path] of paths.entries()) {
    const procedure = procedureAt(path);
    if (!procedure || procedure._def.type !== type) return null;
    const input = isBatch ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    calls.push({ path, procedure, input: input === undefined ? undefined : config.transformer.input.deserialize(input) });
  }
  return { calls, isBatch };
}

type CallOutcome = { error: TRPCError; data?: undefined } | { error?: undefined; data: unknown };

async function runCall(call: PlannedCall, ctx: Context, batchIndex: number): Promise<CallOutcome> {
  try {
    return { data: await callProcedure(call.procedure, ctx, call.path, call.input, batchIndex) };
  } catch (cause) {
    return { error: getTRPCErrorFromUnknown(cause) };
  }
}

/** One call's answer, serialised by the router's transformer as transformTRPCResponse would (without its copies). */
function rpcResponse(call: PlannedCall, outcome: CallOutcome, ctx: Context) {
  const { serialize } = config.transformer.output;
  if (!outcome.error) return { result: { data: serialize(outcome.data) } };
  return { error: serialize(getErrorShape({ config, ctx, error: outcome.error, input: call.input, path: call.path, type: call.procedure._def.type })) };
}

/**
 * Returns a handler that answers the request and resolves true, or resolves false without
 * touching the request when the adapter must answer it.
 */
export function createDirectTrpcHandler(createContext: (req: IncomingMessage) => Context) {
  return async (req: IncomingMessage, res: ServerResponse, url: string): Promise<boolean> => {
    const planned = planCalls(req, url);
    if (!planned) return false;
    const ctx = createContext(req);
    const outcomes = await Promise.all(planned.calls.map((call, index) => runCall(call, ctx, index)));
    const responses = planned.calls.map((call, index) => rpcResponse(call, outcomes[index], ctx));
    const errors = outcomes.flatMap((outcome) => (outcome.error ? [outcome.error] : []));
    const json = planned.isBatch ? responses : responses[0];

    const meta = trpcResponseMeta({ errors }) as { headers?: Record<string, string> };
    res.statusCode = getHTTPStatusCode(json, outcomes.map((outcome) => outcome.error) as TRPCError[]);
    res.setHeader('vary', 'trpc-accept, accept');
    res.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(meta.headers ?? {})) res.setHeader(name, value);
    res.end(JSON.stringify(json));
    return true;
  };
}
