import type { Knex } from 'knex';
import mysql2, { type Pool, type PoolConnection, type PoolOptions } from 'mysql2';
import type { ConnectionWatch } from './connectionWatch.js';

/**
 * The statements every request runs (session lookup, login's account read, session insert,
 * last_login stamp, history pages) go to a mysql2 pool of their own instead of knex's: borrowing
 * from knex's pool (tarn) costs a timer and half a dozen promises per call, about a tenth of a
 * balance request's CPU. Transactions and every query built with knex stay on knex's pool.
 */

/** Connections of the statement pool, beside knex's 32: 64 in all, as knex alone had before. */
export const STATEMENT_POOL_SIZE = 32;
/** As knex's acquireConnectionTimeout: a statement that waited longer for a connection is not sent at all. */
const ACQUIRE_TIMEOUT_MS = 5000;

export interface ColumnDefinition {
  name: string;
  columnType: number;
  decimals: number;
}

export type StatementCallback = (err: Error | null, result: unknown, fields?: ColumnDefinition[]) => void;

class AcquireTimeout extends Error {
  code = 'ETIMEDOUT';
}

/** A mysql2 pool whose connections `watch` watches (a statement without an answer for long cuts its connection). */
export function createStatementPool(options: PoolOptions, watch: ConnectionWatch): Pool {
  const pool = mysql2.createPool({
    ...options,
    connectionLimit: STATEMENT_POOL_SIZE,
    // Idle connections are closed after 30 s, as knex's pool (min 0) closes them; not sooner, so
    // that a burst does not make and prepare them all over again a second later.
    maxIdle: STATEMENT_POOL_SIZE,
    idleTimeout: 30_000,
  });
  pool.on('connection', (connection) => {
    watch.add(connection as unknown as Parameters<ConnectionWatch['add']>[0]);
    // Queued before any statement on this connection.
    connection.query("SET time_zone = '+00:00'");
  });
  return pool;
}

/** Runs `sql` as a prepared statement on a pooled connection (mysql2 keeps it prepared per connection). */
export function executeOnPool(pool: Pool, sql: string, bindings: readonly Knex.Value[], callback: StatementCallback): void {
  const askedAt = Date.now();
  pool.getConnection((err: NodeJS.ErrnoException | null, connection: PoolConnection) => {
    if (err) return callback(err, undefined);
    if (Date.now() - askedAt > ACQUIRE_TIMEOUT_MS) {
      connection.release();
      return callback(new AcquireTimeout(`No database connection within ${ACQUIRE_TIMEOUT_MS} ms`), undefined);
    }
    // A connection that failed has already left the pool; releasing it then does nothing.
    connection.execute(sql, bindings as unknown as mysql2.ExecuteValues[], (executeErr, result, fields) => {
      connection.release();
      callback(executeErr, result, fields as unknown as ColumnDefinition[] | undefined);
    });
  });
}

/** Closes the pool; each connection says goodbye (COM_QUIT) — db.ts cuts those that do not answer. */
export function endStatementPool(pool: Pool): Promise<void> {
  return new Promise((resolve) => pool.end(() => resolve()));
}
