import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import mysql2, { type Pool } from 'mysql2';
import { migrationSource } from '../migrations/source.js';
import { ConnectionWatch } from './connectionWatch.js';
import type { Logger } from './logger.js';
import { createStatementPool, endStatementPool, executeOnPool, type ColumnDefinition, type StatementCallback } from './statementPool.js';

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

/** The statement pool (statementPool.ts) of each MySQL knex instance made by createDb. */
const statementPools = new WeakMap<Db, Pool>();

/** How long closing waits for each MySQL connection's goodbye before cutting what is left. */
const CLOSE_TIMEOUT_MS = 2000;

function mysqlDb(url: string, log?: Logger): Db {
  const connection = {
    uri: url,
    // DECIMAL arrives as exact strings (mysql2's default); DATETIME as UTC text.
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 3000,
    // A handful of statements are prepared; mysql2's default cache (16,000 per connection)
    // preallocates about 0.5 MB on each connection.
    maxPreparedStatements: 32,
  };
  const watch = new ConnectionWatch();
  const db = knexFactory({
    client: 'mysql2',
    log: knexLog(log),
    connection: connection as Knex.MySql2ConnectionConfig,
    pool: {
      min: 0,
      max: 32,
      afterCreate(conn: Parameters<ConnectionWatch['add']>[0], done: (err: Error | null, conn: unknown) => void) {
        watch.add(conn);
        conn.query("SET time_zone = '+00:00'", (err: Error | null) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 5000,
  });
  const statements = createStatementPool(connection, watch);
  statementPools.set(db, statements);
  // db.destroy() ends both pools, wherever it is called (server stop, scripts, tests): it calls
  // the client's destroy, which knex lets an instance override. Connections that do not answer
  // their goodbye (a database gone silent) are cut after CLOSE_TIMEOUT_MS.
  const client = db.client as { destroy(callback?: unknown): Promise<void> };
  const destroyKnexPool = client.destroy.bind(client);
  client.destroy = async (callback?: unknown) => {
    const cutLeftovers = setTimeout(() => watch.cutAll(), CLOSE_TIMEOUT_MS);
    try {
      await Promise.all([endStatementPool(statements), destroyKnexPool(callback)]);
    } finally {
      clearTimeout(cutLeftovers);
    }
  };
  return db;
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
  execute(sql: string, values: readonly Knex.Value[], callback: StatementCallback): void;
}

/**
 * mysql2's binary protocol leaves out a zero fraction ('2026-12-03 10:00:00' for .000), which the
 * text protocol and SQLite keep; times are compared and shown as 'YYYY-MM-DD HH:MM:SS.mmm', so
 * the missing digits are put back.
 */
const mysqlTypes = mysql2.Types;

function padTimeFractions(rows: Record<string, unknown>[], fields: ColumnDefinition[]): void {
  for (const { name, columnType, decimals } of fields) {
    if ((columnType !== mysqlTypes.DATETIME && columnType !== mysqlTypes.TIMESTAMP) || decimals === 0) continue;
    for (const row of rows) {
      const value = row[name];
      if (typeof value === 'string' && !value.includes('.')) {
        row[name] = `${value.length === 10 ? `${value} 00:00:00` : value}.${'0'.repeat(decimals)}`;
      }
    }
  }
}

/** Runs `sql` as a prepared statement: on the statement pool, or on a knex connection (the transaction's own inside one). */
async function executePrepared(db: Db, sql: string, bindings: readonly Knex.Value[]): Promise<unknown> {
  const finish = (resolve: (value: unknown) => void, reject: (err: Error) => void): StatementCallback => (err, result, fields) => {
    if (err) return reject(err);
    if (Array.isArray(result) && fields) padTimeFractions(result as Record<string, unknown>[], fields);
    resolve(result);
  };
  const pool = db.isTransaction ? undefined : statementPools.get(db);
  if (pool) return new Promise((resolve, reject) => executeOnPool(pool, sql, bindings, finish(resolve, reject)));
  // knex refuses queries on a finished transaction; its connection may already serve someone else.
  if (db.isTransaction && (db as Knex.Transaction).isCompleted()) {
    throw new Error('Transaction query already complete: the transaction this statement was given has ended.');
  }
  const client = db.client as unknown as PooledClient;
  const connection = await client.acquireConnection();
  try {
    return await new Promise((resolve, reject) => connection.execute(sql, bindings, finish(resolve, reject)));
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * The rows of a plain SQL SELECT on either dialect, for the queries every request runs, where
 * building SQL per call costs more than running it. On MySQL it is a prepared statement (mysql2
 * keeps it per connection), so MariaDB parses it once per connection instead of on every request,
 * run on the statement pool (statementPool.ts), or on the transaction's connection inside one.
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

/** `select 1` on the statement pool, false after PING_TIMEOUT_MS (the stuck statement is retired later by the pool's sweep). */
function pingStatementPool(pool: Pool): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    executeOnPool(pool, 'SELECT 1', [], (err) => {
      clearTimeout(timer);
      resolve(!err);
    });
  });
}

/** Cheap liveness probe used by /healthz: knex's pool and, on MySQL, the statement pool. */
export async function pingDb(db: Db): Promise<boolean> {
  const statements = statementPools.get(db);
  const knexPing = async () => {
    try {
      // A database that stops answering (network partition, frozen server) must not hang /healthz;
      // on timeout knex also retires the stuck connection from the pool.
      await db.raw('select 1').timeout(PING_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  };
  const [knexUp, statementsUp] = await Promise.all([knexPing(), statements ? pingStatementPool(statements) : true]);
  return knexUp && statementsUp;
}
