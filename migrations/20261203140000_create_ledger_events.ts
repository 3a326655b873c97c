import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

/**
 * Outbox of what changed for each user, written in the same database transaction as the change
 * (so a rollback leaves no event), read by live subscriptions and replayed from `lastEventId`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ledger_events', (table) => {
    table.bigIncrements('id').primary();
    table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.enu('type', ['balance', 'transaction']).notNullable();
    table.text('payload').notNullable();
    timeColumn(knex, table, 'created_at').notNullable();
    table.index(['user_id', 'id'], 'ledger_events_user_stream');
    table.index(['created_at'], 'ledger_events_age');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ledger_events');
}
