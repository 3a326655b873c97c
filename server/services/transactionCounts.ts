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

export interface HistoryFilters {
  type?: TransactionType;
  status?: TransactionStatus;
}

/** The WHERE clause and bindings for a user's history rows with the filters (transactions and transaction_counts alike). */
export function historyFilter(userId: string, filters: HistoryFilters): { where: string; bindings: string[] } {
  let where = 'user_id = ?';
  const bindings = [userId];
  if (filters.type) {
    where += ' AND type = ?';
    bindings.push(filters.type);
  }
  if (filters.status) {
    where += ' AND status = ?';
    bindings.push(filters.status);
  }
  return { where, bindings };
}

/** `total` of a history page as a scalar subquery: the number of the user's transactions matching the filters. */
export function transactionTotalSql(userId: string, filters: HistoryFilters): { sql: string; bindings: string[] } {
  const { where, bindings } = historyFilter(userId, filters);
  return { sql: `SELECT COALESCE(SUM(count), 0) FROM transaction_counts WHERE ${where}`, bindings };
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
