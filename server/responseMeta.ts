import { TRPCError } from '@trpc/server';

/** Errors that carry a wait time (rate limits) set Retry-After on both adapters. */
export class RetryAfter extends Error {
  constructor(readonly seconds: number) {
    super(`Retry after ${seconds} s`);
  }
}

export function trpcResponseMeta({ errors }: { errors: TRPCError[] }) {
  const retry = errors.find((e) => e.cause instanceof RetryAfter)?.cause as RetryAfter | undefined;
  return retry ? { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retry.seconds))) } } : {};
}
