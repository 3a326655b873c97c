import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

/**
 * The webhook's signature covers its body ({tx_hash, confirmations}), not the payment id in the
 * URL. Binding each Bitcoin transaction to the first payment it was signed for — whatever that
 * delivery's outcome — stops a captured body from being replayed against another payment.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_tx_hashes', (table) => {
    table.string('tx_hash', 128).primary();
    table.string('payment_id', 36).notNullable();
    timeColumn(knex, table, 'first_seen_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_tx_hashes');
}
