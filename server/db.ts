import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from '../migrations/source.js';
import type { Logger } from './logger.js';

export type Db = Knex;

/**
 * A knex instance for `sqlite:<path>`, `sqlite::memory:` or `mysql://…`. With `log`, knex's own
 * messages (such as "Acquire connection error" while the database is down) go to the structured
 * log instead of being printed to stdout as multi-line text.
 */
export function createDb(databaseUrl: string, log?: Logger): Db {
  const db = databaseUrl.startsWith('sqlite:') ? sqliteDb(databaseUrl.slice('sqlite:'.length), log) : mysqlDb(databaseUrl, log);
  return db;
}

function knexLog(log: Logger | undefined): Knex.Config['log'] {
  if (!log) return undefined;
  const firstLine = (message: unknown) => String(message).split('\n', 1)[0];
  return {
    warn: (message: unknown) => log.warn({ source: 'knex' }, firstLine(message)),
    error: (message: unknown) => log.error({ source: 'knex' }, firstLine(message)),
    deprecate: (method: string, alternative: string) => log.warn({ source: 'knex' }, `${method} is deprecated: use ${alternative}`),
    debug: (message: unknown) => log.debug({ source: 'knex', detail: message }, 'knex debug'),
  };
}

function sqliteDb(filename: string, log?: Logger): Db {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    log: knexLog(log),
    connection: { filename },
    useNullAsDefault: true,
    // Waiting this long for the single connection means overload: answer 503 before any work starts.
    acquireConnectionTimeout: 5000,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('foreign_keys = ON');
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

function mysqlDb(url: string, log?: Logger): Db {
  return knexFactory({
    client: 'mysql2',
    log: knexLog(log),
    connection: {
      uri: url,
      // DECIMAL arrives as exact strings (mysql2's default); DATETIME as UTC text.
      dateStrings: true,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: 3000,
    } as Knex.MySql2ConnectionConfig,
    pool: {
      min: 0,
      max: 64,
      afterCreate(conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.query("SET time_zone = '+00:00'", (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 5000,
  });
}

export function isMysql(db: Db): boolean {
  return db.client.config.client === 'mysql2';
}

/**
 * The rows of a plain SQL SELECT on either dialect (mysql2 answers `[rows, fields]`,
 * better-sqlite3 just the rows). For the hottest queries, where building SQL per request costs
 * more than running it.
 */
export async function selectRows<Row>(db: Db, sql: string, bindings: readonly Knex.Value[]): Promise<Row[]> {
  const result = await db.raw(sql, bindings);
  return isMysql(db) ? result[0] : result;
}

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

const PING_TIMEOUT_MS = 2000;

/** Cheap liveness probe used by /healthz. */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    // A database that stops answering (network partition, frozen server) must not hang /healthz;
    // on timeout knex also retires the stuck connection from the pool.
    await db.raw('select 1').timeout(PING_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}
