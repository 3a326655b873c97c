import type { Knex } from 'knex';

/**
 * How many transactions each user has per (type, status), kept by the ledger in the same
 * database transaction as the rows, so a history page's `total` is a sum of at most 24 small
 * rows instead of a count over the user's whole history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transaction_counts', (table) => {
    table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.string('type', 16).notNullable();
    table.string('status', 16).notNullable();
    table.bigInteger('count').notNullable().defaultTo(0);
    table.primary(['user_id', 'type', 'status']);
  });
  await knex.raw(
    'INSERT INTO transaction_counts (user_id, type, status, count) ' +
      'SELECT user_id, type, status, COUNT(*) FROM transactions GROUP BY user_id, type, status',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('transaction_counts');
}
