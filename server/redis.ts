import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** One Redis client per process (REDIS_URL). Commands fail fast while it is down. */
export function createRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  return redis;
}
