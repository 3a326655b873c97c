import type { Knex } from 'knex';
import { amountColumn, timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wallets', (table) => {
    table.uuid('id').primary();
    table.uuid('user_id').notNullable().unique().references('id').inTable('users').onDelete('RESTRICT');
    table.string('address', 128).notNullable().unique();
    amountColumn(knex, table, 'balance').notNullable();
    timeColumn(knex, table, 'created_at').notNullable();
    timeColumn(knex, table, 'updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wallets');
}
