import type { Knex } from 'knex';
import { timeColumn } from './columns.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.uuid('id').primary();
    table.string('email', 255).notNullable().unique();
    table.string('username', 64).notNullable().unique();
    table.enu('status', ['active', 'inactive', 'suspended']).notNullable().defaultTo('active');
    timeColumn(knex, table, 'created_at').notNullable();
    timeColumn(knex, table, 'last_login').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
