import { TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../env.js';
import { RetryAfter } from '../responseMeta.js';

type Limit = { points: number; seconds: number } | null;

function createLimiter(limit: Limit, name: string, redis: Redis | undefined): RateLimiterAbstract | null {
  if (!limit) return null;
  const opts = { points: limit.points, duration: limit.seconds, keyPrefix: `aitbc:signin:${name}` };
  if (!redis) return new RateLimiterMemory(opts);
  // If Redis is unreachable, each process falls back to its own memory budget rather than failing open.
  return new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) });
}

async function consume(limiter: RateLimiterAbstract | null, key: string, what: string): Promise<void> {
  if (!limiter) return;
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const seconds = Math.ceil(err.msBeforeNext / 1000);
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `Too many sign-in attempts ${what}. Try again in ${seconds} seconds.`,
      cause: new RetryAfter(seconds),
    });
  }
}

export interface SigninLimits {
  /** Every challenge and login from one client IP. */
  consumeIp(ip: string): Promise<void>;
  /** Every challenge and every failed login for one wallet address. */
  consumeAddress(address: string): Promise<void>;
}

/** Sign-in rate limits: in memory per process, or shared by all processes through Redis. */
export function createSigninLimits(config: Pick<Config, 'signinLimitPerIp' | 'signinLimitPerAddress'>, redis?: Redis): SigninLimits {
  const perIp = createLimiter(config.signinLimitPerIp, 'ip', redis);
  const perAddress = createLimiter(config.signinLimitPerAddress, 'address', redis);
  return {
    consumeIp: (ip) => consume(perIp, ip, 'from your network address'),
    consumeAddress: (address) => consume(perAddress, address, 'for this wallet'),
  };
}
