import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Context } from './context.js';
import { isDatabaseUnavailable, isForeignKeyViolation, isUniqueViolation } from './dbErrors.js';
import { authenticate } from './services/sessions.js';

export const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side. Please try again in a moment.';

function describeIssues(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
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
        ? `Invalid input: ${describeIssues(zodError)}`
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

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`No answer from the database within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Turns database failures into the contract's codes; logs what the client must not see. */
const databaseErrors = t.middleware(async ({ ctx, next, path, type }) => {
  const outcome = type === 'subscription' ? next() : withDeadline(next(), REQUEST_DEADLINE_MS);
  const result = await outcome.catch((err: unknown) => {
    if (!(err instanceof DeadlineExceeded)) throw err;
    ctx.log.error({ path, timeout_ms: REQUEST_DEADLINE_MS }, 'database did not answer in time');
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The database did not answer in time. A change you sent may still complete: check your balance and history before sending it again.',
    });
  });
  if (result.ok) return result;
  const error = result.error;
  const cause = error.cause;
  if (error.code !== 'INTERNAL_SERVER_ERROR' || !cause) return result;
  if (isDatabaseUnavailable(cause)) {
    ctx.log.error({ err: cause, path }, 'database unavailable');
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable right now. Please try again shortly.' });
  }
  if (isUniqueViolation(cause)) {
    throw new TRPCError({ code: 'CONFLICT', message: 'That conflicts with something that already exists. Please try again.' });
  }
  if (isForeignKeyViolation(cause)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'That refers to something that does not exist.' });
  }
  ctx.log.error({ err: cause, path }, 'unexpected error');
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

export const publicProcedure = t.procedure.use(databaseErrors);

/** Requires a live session, whatever the account's status: enough to end that session. */
export const sessionProcedure = publicProcedure.use(async ({ ctx, next }) => {
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
  // tRPC merges this into ctx itself; passing only the new key keeps that merge small.
  return next({ ctx: { auth } });
});

/** Requires a live session of an active account; puts the session, user and wallet on ctx. */
export const authedProcedure = sessionProcedure.use(({ ctx, next }) => {
  if (ctx.auth.user.status !== 'active') {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This account is ${ctx.auth.user.status}.` });
  }
  return next();
});

/** The contract's isolation rule: a user may only address their own `user_id`. */
export function assertOwnUser(ctx: { auth: { user: { id: string } } }, userId: string): void {
  if (ctx.auth.user.id !== userId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'You can only access your own account.' });
  }
}
