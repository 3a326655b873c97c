import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

/** Set on a wallet's first signed login; from then on address-only login to it is refused. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wallets', (table) => {
    timeColumn(knex, table, 'key_proven_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wallets', (table) => {
    table.dropColumn('key_proven_at');
  });
}
