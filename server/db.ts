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

/** The parts of knex's client used to borrow one of its pooled connections (a transaction's own when in one). */
interface PooledClient {
  acquireConnection(): Promise<Mysql2Connection>;
  releaseConnection(connection: Mysql2Connection): Promise<void>;
}

interface Mysql2Connection {
  execute(sql: string, values: readonly Knex.Value[], callback: (err: Error | null, result: unknown) => void): void;
}

/** Runs `sql` as a prepared statement on a connection borrowed from knex's pool (or the transaction's). */
async function executePrepared(db: Db, sql: string, bindings: readonly Knex.Value[]): Promise<unknown> {
  const client = db.client as unknown as PooledClient;
  const connection = await client.acquireConnection();
  try {
    return await new Promise((resolve, reject) => {
      connection.execute(sql, bindings, (err, result) => (err ? reject(err) : resolve(result)));
    });
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * The rows of a plain SQL SELECT on either dialect, for the queries every request runs, where
 * building SQL per call costs more than running it. On MySQL it is a prepared statement (mysql2
 * keeps it per connection), so MariaDB parses it once per connection instead of on every request;
 * the connection still comes from knex's pool, which retires it after a fatal error.
 */
export async function selectRows<Row>(db: Db, sql: string, bindings: readonly Knex.Value[]): Promise<Row[]> {
  const rows = isMysql(db) ? await executePrepared(db, sql, bindings) : await db.raw(sql, bindings);
  return rows as Row[];
}

/** A plain SQL INSERT, UPDATE or DELETE on either dialect, prepared like selectRows; the number of rows it changed. */
export async function runStatement(db: Db, sql: string, bindings: readonly Knex.Value[]): Promise<number> {
  if (isMysql(db)) return ((await executePrepared(db, sql, bindings)) as { affectedRows: number }).affectedRows;
  return ((await db.raw(sql, bindings)) as { changes: number }).changes;
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
