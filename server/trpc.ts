import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Context } from './context.js';
import { isDatabaseUnavailable, isForeignKeyViolation, isUniqueViolation } from './dbErrors.js';
import { authenticate, type Authenticated } from './services/sessions.js';

export const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side. Please try again in a moment.';

/** "Invalid input: field: problem; …" — once, though zod's own messages may start with "Invalid input" too. */
export function describeInvalidInput(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const problems = issues.map(({ path, message }) => {
    const problem = message.replace(/^Invalid input: /, '');
    return path.length ? `${path.map(String).join('.')}: ${problem}` : problem;
  });
  return `Invalid input: ${problems.join('; ')}`;
}

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    // No stack traces in any response, in any mode.
    isDev: false,
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 20_000 },
    },
    errorFormatter({ shape, error }) {
      const zodError = error.code === 'BAD_REQUEST' && error.cause instanceof ZodError ? error.cause : null;
      const message = zodError
        ? describeInvalidInput(zodError.issues)
        : error.code === 'INTERNAL_SERVER_ERROR'
          ? INTERNAL_ERROR_MESSAGE
          : shape.message;
      return {
        message,
        code: shape.code,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          ...(zodError ? { issues: zodError.issues.map(({ code, path, message: m }) => ({ code, path, message: m })) } : {}),
        },
      };
    },
  });

/**
 * A database that stops answering (frozen server, network partition) must not hang requests:
 * after this long the caller gets 503. The query may still finish later; its transaction then
 * commits or rolls back as a whole, never half.
 */
const REQUEST_DEADLINE_MS = 7_000;

class DeadlineExceeded extends Error {
  code = 'ETIMEDOUT';
}

interface PendingWork {
  due: number;
  fail(err: Error): void;
}

/** Work still running, checked by one sweep timer instead of a timer per request. */
const pendingWork = new Set<PendingWork>();
const DEADLINE_SWEEP_MS = 250;
let deadlineSweep: NodeJS.Timeout | null = null;

function sweepDeadlines(): void {
  const now = Date.now();
  for (const work of pendingWork) {
    if (work.due <= now) {
      pendingWork.delete(work);
      work.fail(new DeadlineExceeded(`No answer from the database within ${REQUEST_DEADLINE_MS} ms`));
    }
  }
  if (pendingWork.size === 0 && deadlineSweep) {
    clearInterval(deadlineSweep);
    deadlineSweep = null;
  }
}

/** `work`, or DeadlineExceeded once REQUEST_DEADLINE_MS have passed without it settling (give or take a sweep). */
function withDeadline<T>(work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const pending: PendingWork = { due: Date.now() + REQUEST_DEADLINE_MS, fail: reject };
    pendingWork.add(pending);
    deadlineSweep ??= setInterval(sweepDeadlines, DEADLINE_SWEEP_MS).unref();
    work.then(
      (value) => {
        pendingWork.delete(pending);
        resolve(value);
      },
      (err: unknown) => {
        pendingWork.delete(pending);
        reject(err);
      },
    );
  });
}

/** The contract's code for a database failure, or null for an error that is not one. */
function databaseErrorFor(cause: unknown, ctx: Context, path: string): TRPCError | null {
  if (isDatabaseUnavailable(cause)) {
    ctx.log.error({ err: cause, path }, 'database unavailable');
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable right now. Please try again shortly.' });
  }
  if (isUniqueViolation(cause)) {
    return new TRPCError({ code: 'CONFLICT', message: 'That conflicts with something that already exists. Please try again.' });
  }
  if (isForeignKeyViolation(cause)) {
    return new TRPCError({ code: 'BAD_REQUEST', message: 'That refers to something that does not exist.' });
  }
  return null;
}

/**
 * Runs the rest of a procedure (`work`) under the request deadline and turns database failures
 * into the contract's codes, whether `work` throws them or a later stage returns them; logs what
 * the client must not see.
 */
async function guardDatabase<R extends { ok: boolean; error?: TRPCError }>(
  ctx: Context,
  path: string,
  type: string,
  work: () => Promise<R>,
): Promise<R> {
  let result: R;
  try {
    result = await (type === 'subscription' ? work() : withDeadline(work()));
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      ctx.log.error({ path, timeout_ms: REQUEST_DEADLINE_MS }, 'database did not answer in time');
      throw new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The database did not answer in time. A change you sent may still complete: check your balance and history before sending it again.',
      });
    }
    if (err instanceof TRPCError) throw err;
    const mapped = databaseErrorFor(err, ctx, path);
    if (mapped) throw mapped;
    ctx.log.error({ err, path }, 'unexpected error');
    throw err;
  }
  const error = result.error;
  if (result.ok || !error || error.code !== 'INTERNAL_SERVER_ERROR' || !error.cause) return result;
  const mapped = databaseErrorFor(error.cause, ctx, path);
  if (mapped) throw mapped;
  ctx.log.error({ err: error.cause, path }, 'unexpected error');
  return result;
}

/** The live session for the request's token, or UNAUTHORIZED (FORBIDDEN for an inactive account when `activeOnly`). */
async function requireSession(ctx: Context, activeOnly: boolean): Promise<Authenticated> {
  if (!ctx.token) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Sign in first: send your session token in the X-Session-Token header.',
    });
  }
  const auth = await authenticate(ctx.db, ctx.token);
  if (!auth) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session has expired or was ended. Please sign in again.' });
  }
  if (activeOnly && auth.user.status !== 'active') {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This account is ${auth.user.status}.` });
  }
  return auth;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

// Each procedure gets one middleware of ours: tRPC copies its options at every middleware level,
// which showed up as a tenth of a request's CPU when the session check was a stage of its own.

export const publicProcedure = t.procedure.use(({ ctx, next, path, type }) => guardDatabase(ctx, path, type, () => next()));

/** Requires a live session, whatever the account's status: enough to end that session. */
export const sessionProcedure = t.procedure.use(({ ctx, next, path, type }) =>
  guardDatabase(ctx, path, type, async () => next({ ctx: { auth: await requireSession(ctx, false) } })),
);

/** Requires a live session of an active account; puts the session, user and wallet on ctx. */
export const authedProcedure = t.procedure.use(({ ctx, next, path, type }) =>
  guardDatabase(ctx, path, type, async () => next({ ctx: { auth: await requireSession(ctx, true) } })),
);

/** The contract's isolation rule: a user may only address their own `user_id`. */
export function assertOwnUser(ctx: { auth: { user: { id: string } } }, userId: string): void {
  if (ctx.auth.user.id !== userId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'You can only access your own account.' });
  }
}
