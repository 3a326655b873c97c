import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../shared/index.js';
import { useSessionStore } from '../stores/session';

/** Response and request shapes, inferred from the server's router (never hand-written). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

function sessionHeaders(): Record<string, string> {
  const { token } = useSessionStore();
  return token ? { 'X-Session-Token': token } : {};
}

/**
 * The one tRPC client of the web app. Calls go to `/trpc` on the page's own origin (the Vite dev
 * server proxies it in development); the session token travels only in the X-Session-Token header.
 *
 * Subscriptions (`users.events`) are server-sent events. The browser's own EventSource cannot send
 * headers, so the `eventsource` package's EventSource is used with a fetch that adds the session
 * header: the token is never put in the URL. The token is read once per subscription, so a
 * reconnecting stream never switches users; the link itself resumes with the last event id.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: '/trpc',
        EventSource,
        eventSourceOptions: () => {
          const headers = sessionHeaders();
          return {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
          };
        },
      }),
      false: httpBatchLink({ url: '/trpc', headers: sessionHeaders }),
    }),
  ],
});

/**
 * `users.logout` for a page that is going away (reload, tab closed): its in-memory token can never
 * be used again, so the session is ended rather than left to linger in the Sessions list. A normal
 * request may be cancelled by the unload; a `keepalive` one is allowed to finish.
 */
export function logoutWhileLeaving(token: string): void {
  void fetch('/trpc/users.logout', {
    method: 'POST',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', 'X-Session-Token': token },
  }).catch(() => undefined);
}

type ApiError = TRPCClientError<AppRouter>;

function asApiError(error: unknown): ApiError | null {
  return error instanceof TRPCClientError ? (error as ApiError) : null;
}

/** The HTTP status the server answered with, or null when the request never got an answer. */
export function httpStatusOf(error: unknown): number | null {
  return asApiError(error)?.data?.httpStatus ?? null;
}

/** True when the server refused the session (missing, expired or revoked token). */
export function isUnauthorized(error: unknown): boolean {
  return httpStatusOf(error) === 401;
}

/** A sentence the user can act on, for any failure of an API call. */
export function describeApiError(error: unknown): string {
  const apiError = asApiError(error);
  const status = apiError?.data?.httpStatus;
  if (!apiError || !status) {
    return 'Cannot reach the exchange. Check your connection and try again.';
  }
  if (status === 429) return 'Too many requests. Please wait a moment and try again.';
  if (status >= 500) return 'The exchange is having trouble right now. Please try again in a moment.';
  return apiError.message;
}
