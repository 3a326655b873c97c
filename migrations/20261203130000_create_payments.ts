import type { Knex } from 'knex';
import { amountColumn, timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (table) => {
    table.uuid('id').primary();
    table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    table.uuid('wallet_id').notNullable().references('id').inTable('wallets').onDelete('RESTRICT');
    // The pending purchase recorded with the payment; completed or failed with it.
    table.uuid('transaction_id').notNullable().unique().references('id').inTable('transactions').onDelete('RESTRICT');
    amountColumn(knex, table, 'aitbc_amount').notNullable();
    amountColumn(knex, table, 'btc_amount').notNullable();
    // The fee quoted at creation: the wallet is credited aitbc_amount − fee_amount.
    amountColumn(knex, table, 'fee_amount').notNullable();
    table.string('payment_address', 128).notNullable();
    table.enu('status', ['pending', 'confirmed', 'expired']).notNullable();
    table.integer('confirmations').notNullable().defaultTo(0);
    table.integer('required_confirmations').notNullable();
    // One Bitcoin transaction pays one payment request: a signed webhook body cannot be replayed
    // to confirm another payment. NULLs do not collide on either dialect.
    table.string('tx_hash', 128).nullable().unique();
    timeColumn(knex, table, 'created_at').notNullable();
    timeColumn(knex, table, 'expires_at').notNullable();
    timeColumn(knex, table, 'confirmed_at').nullable();
    // Lazy expiry per user (history, status) and the background sweep.
    table.index(['user_id', 'status', 'expires_at'], 'payments_user_status');
    table.index(['status', 'expires_at'], 'payments_status_expiry');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payments');
}
