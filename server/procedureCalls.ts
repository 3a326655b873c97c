import type { Context } from './context.js';
import { appRouter } from './routers/_app.js';

export type ProcedureType = 'query' | 'mutation' | 'subscription';

/** A procedure of the router as tRPC stores it: callable with its call options. */
export interface RouterProcedure {
  (opts: {
    path: string;
    getRawInput: () => Promise<unknown>;
    ctx: Context;
    type: ProcedureType;
    signal: AbortSignal | undefined;
    batchIndex: number;
  }): Promise<unknown>;
  _def: { type: ProcedureType };
}

const procedures = appRouter._def.procedures as unknown as Record<string, RouterProcedure>;

/** The procedure at a path such as `users.balance`, or null (never an inherited property such as `constructor`). */
export function procedureAt(path: string): RouterProcedure | null {
  return Object.hasOwn(procedures, path) ? procedures[path] : null;
}

/**
 * Runs a procedure the way tRPC's adapters and server-side caller do — our middleware, input
 * validation, the resolver, output validation — without the caller's per-request proxy.
 * Rejects with the procedure's error (a TRPCError, or what its middleware turned into one).
 */
export function callProcedure(procedure: RouterProcedure, ctx: Context, path: string, input: unknown, batchIndex = 0): Promise<unknown> {
  return procedure({
    path,
    getRawInput: () => Promise.resolve(input),
    ctx,
    type: procedure._def.type,
    signal: undefined,
    batchIndex,
  });
}
