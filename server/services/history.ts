import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType, TransactionsOutput } from '../../shared/schemas/users.js';
import { selectRows } from '../db.js';
import type { Transaction } from '../models/Transaction.js';
import { toTransactionOutput } from './shapes.js';
import { countTransactions, historyFilter } from './transactionCounts.js';
import { expireOverduePayments } from './payments.js';

const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type TransactionRow = Pick<Transaction, 'id' | 'type' | 'status' | 'amount' | 'fee' | 'description' | 'created_at' | 'confirmed_at'>;

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

/**
 * The page as plain SQL (prepared on MySQL): at most 8 distinct statements (the filters and the
 * cursor), the limit bound as a parameter. Keyset on the (user_id, created_at, id) index.
 */
function pageRows(db: Knex, userId: string, query: HistoryQuery, after: Position | null): Promise<TransactionRow[]> {
  const { where, bindings } = historyFilter(userId, query);
  const keyset = after ? ' AND (created_at < ? OR (created_at = ? AND id < ?))' : '';
  const sql =
    'SELECT id, type, status, amount, fee, description, created_at, confirmed_at FROM transactions ' +
    `WHERE ${where}${keyset} ORDER BY created_at DESC, id DESC LIMIT ?`;
  const keysetBindings = after ? [after.createdAt, after.createdAt, after.id] : [];
  // The limit travels as text: MySQL 8 refuses a double (mysql2's type for numbers) in LIMIT.
  return selectRows<TransactionRow>(db, sql, [...bindings, ...keysetBindings, String(query.limit + 1)]);
}

/** One page of a user's history, newest first, by keyset on (created_at, id). */
export async function listTransactions(db: Knex, userId: string, query: HistoryQuery): Promise<TransactionsOutput> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  await expireOverduePayments(db, { userId }); // an overdue payment's purchase reads as failed
  const [rows, total] = await Promise.all([pageRows(db, userId, query, after), countTransactions(db, userId, query)]);
  const hasMore = rows.length > query.limit;
  const shown = hasMore ? rows.slice(0, query.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    user_id: userId,
    total,
    next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    transactions: shown.map(toTransactionOutput),
  };
}
