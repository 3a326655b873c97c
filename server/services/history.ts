import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType, TransactionsOutput } from '../../shared/schemas/users.js';
import type { Transaction } from '../models/Transaction.js';
import { toTransactionOutput } from './shapes.js';
import { countTransactions } from './transactionCounts.js';
import { expireOverduePayments } from './payments.js';

const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Position {
  createdAt: string;
  id: string;
}

/** The cursor is opaque to callers: base64url of the last row's (created_at, id). */
export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !DB_TIME.test(createdAt ?? '') || !UUID.test(id ?? '')) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'The cursor is not valid. Start again without a cursor.' });
  }
  return { createdAt, id };
}

export interface HistoryQuery {
  limit: number;
  cursor?: string;
  type?: TransactionType;
  status?: TransactionStatus;
}

/** One page of a user's history, newest first, by keyset on (created_at, id). */
export async function listTransactions(db: Knex, userId: string, query: HistoryQuery): Promise<TransactionsOutput> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  await expireOverduePayments(db, { userId }); // an overdue payment's purchase reads as failed
  const filtered = () => {
    const q = db('transactions').where('user_id', userId);
    if (query.type) q.where('type', query.type);
    if (query.status) q.where('status', query.status);
    return q;
  };
  const page = filtered()
    .select('id', 'type', 'status', 'amount', 'fee', 'description', 'created_at', 'confirmed_at')
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(query.limit + 1);
  if (after) {
    page.where((q) =>
      q.where('created_at', '<', after.createdAt).orWhere((same) => same.where('created_at', after.createdAt).where('id', '<', after.id)),
    );
  }
  const [rows, total] = await Promise.all([page, countTransactions(db, userId, query)]);
  const hasMore = rows.length > query.limit;
  const shown: Transaction[] = hasMore ? rows.slice(0, query.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    user_id: userId,
    total,
    next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    transactions: shown.map(toTransactionOutput),
  };
}
