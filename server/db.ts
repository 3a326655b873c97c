import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from '../migrations/source.js';

export type Db = Knex;

/** A knex instance for `sqlite:<path>`, `sqlite::memory:` or `mysql://…`. */
export function createDb(databaseUrl: string): Db {
  const db = databaseUrl.startsWith('sqlite:') ? sqliteDb(databaseUrl.slice('sqlite:'.length)) : mysqlDb(databaseUrl);
  return db;
}

function sqliteDb(filename: string): Db {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
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

function mysqlDb(url: string): Db {
  return knexFactory({
    client: 'mysql2',
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

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/** Cheap liveness probe used by /healthz. */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
