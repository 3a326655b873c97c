import type { Config } from './env.js';
import type { Db } from './db.js';
import type { Logger } from './logger.js';

/** What every request handler may use: built once per server. */
export interface App {
  config: Config;
  db: Db;
  log: Logger;
}
