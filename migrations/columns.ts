import type { Knex } from 'knex';

/**
 * Exact amounts: DECIMAL(38,8) on MySQL; on SQLite, TEXT holding the canonical 8-decimal string
 * (SQLite's NUMERIC affinity would turn "0.3" into a binary double). Never a float.
 */
export function amountColumn(knex: Knex, table: Knex.CreateTableBuilder, name: string) {
  return table.specificType(name, isMysql(knex) ? 'DECIMAL(38,8)' : 'TEXT');
}

/** UTC time text: DATETIME(3) on MySQL, TEXT on SQLite (see server/time.ts). */
export function timeColumn(knex: Knex, table: Knex.CreateTableBuilder, name: string) {
  return table.specificType(name, isMysql(knex) ? 'DATETIME(3)' : 'TEXT');
}

export function isMysql(knex: Knex): boolean {
  return knex.client.config.client === 'mysql2';
}
