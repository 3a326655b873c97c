import type { Knex } from 'knex';
import { amountColumn, timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transactions', (table) => {
    table.uuid('id').primary();
    table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    table.uuid('wallet_id').notNullable().references('id').inTable('wallets').onDelete('RESTRICT');
    table.enu('type', ['deposit', 'withdrawal', 'purchase', 'sale', 'reward', 'refund']).notNullable();
    table.enu('status', ['pending', 'completed', 'failed', 'cancelled']).notNullable();
    amountColumn(knex, table, 'amount').notNullable();
    amountColumn(knex, table, 'fee').notNullable();
    table.string('description', 255).nullable();
    timeColumn(knex, table, 'created_at').notNullable();
    timeColumn(knex, table, 'confirmed_at').nullable();
    // History pages are read newest first per user: (created_at desc, id desc) by keyset.
    table.index(['user_id', 'created_at', 'id'], 'transactions_user_page');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('transactions');
}
