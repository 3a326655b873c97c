import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType } from '../../shared/schemas/users.js';

/** Adds `delta` to the user's count of (type, status); runs in the ledger's transaction. */
export async function adjustTransactionCount(
  trx: Knex.Transaction,
  key: { userId: string; type: TransactionType; status: TransactionStatus },
  delta: 1 | -1,
): Promise<void> {
  await trx('transaction_counts')
    .insert({ user_id: key.userId, type: key.type, status: key.status, count: delta })
    .onConflict(['user_id', 'type', 'status'])
    .merge({ count: trx.raw('transaction_counts.count + ?', [delta]) });
}

/** `total` of a history page: the number of the user's transactions matching the filters. */
export async function countTransactions(
  db: Knex,
  userId: string,
  filters: { type?: TransactionType; status?: TransactionStatus },
): Promise<number> {
  const query = db('transaction_counts').where('user_id', userId).sum({ total: 'count' });
  if (filters.type) query.where('type', filters.type);
  if (filters.status) query.where('status', filters.status);
  const row = (await query.first()) as { total: string | number | null } | undefined;
  return Number(row?.total ?? 0);
}

/**
 * Recomputes a user's counts from the transactions table: for scripts that insert history rows
 * directly (bulk seeding, benchmarks, tests) rather than through the ledger.
 */
export async function recountTransactions(db: Knex, userId: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('transaction_counts').where('user_id', userId).delete();
    await trx.raw(
      'INSERT INTO transaction_counts (user_id, type, status, count) ' +
        'SELECT user_id, type, status, COUNT(*) FROM transactions WHERE user_id = ? GROUP BY user_id, type, status',
      [userId],
    );
  });
}
