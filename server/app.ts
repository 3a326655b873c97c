import type { Redis } from 'ioredis';
import type { Config } from './env.js';
import type { Db } from './db.js';
import type { Logger } from './logger.js';
import type { EventHub } from './services/eventHub.js';
import type { SigninLimits } from './services/rateLimits.js';

/** What every request handler may use: built once per server. */
export interface App {
  config: Config;
  db: Db;
  log: Logger;
  signinLimits: SigninLimits;
  /** Rings live subscriptions after commits (across processes with Redis). */
  events: EventHub;
  /** Set when REDIS_URL is: shared rate limits (and, later, events) across processes. */
  redis?: Redis;
}
