import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (table) => {
    table.uuid('id').primary();
    table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // SHA-256 of the token, hex. The token itself is never stored.
    table.specificType('token_hash', 'CHAR(64)').notNullable().unique();
    timeColumn(knex, table, 'created_at').notNullable();
    timeColumn(knex, table, 'last_used_at').notNullable();
    timeColumn(knex, table, 'expires_at').notNullable();
    timeColumn(knex, table, 'revoked_at').nullable();
    table.string('user_agent', 255).nullable();
    table.string('ip', 64).nullable();
    table.index(['user_id', 'expires_at'], 'sessions_user_live');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
