import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sign_in_challenges', (table) => {
    table.string('nonce', 64).primary();
    table.string('wallet_address', 128).notNullable();
    table.text('message').notNullable();
    timeColumn(knex, table, 'issued_at').notNullable();
    timeColumn(knex, table, 'expires_at').notNullable();
    timeColumn(knex, table, 'used_at').nullable();
    table.index(['expires_at'], 'sign_in_challenges_expiry');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sign_in_challenges');
}
