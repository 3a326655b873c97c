import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType, TransactionsOutput } from '../../shared/schemas/users.js';
import { isMysql, selectRows } from '../db.js';
import { toTransactionOutputOfIsoRow, type IsoTransactionRow } from './shapes.js';
import { dbTimeOfIso, nowDbTime, toIsoTime } from '../time.js';
import { historyFilter, transactionTotalSql } from './transactionCounts.js';
import { expireOverduePayments, overduePaymentSql } from './payments.js';

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
  // The shape alone would let '2026-13-45 99:99:99.999' through, which the two databases compare differently.
  const time = DB_TIME.test(createdAt ?? '') ? new Date(toIsoTime(createdAt)) : null;
  const realTime = time !== null && !Number.isNaN(time.getTime()) && dbTimeOfIso(time.toISOString()) === createdAt;
  if (extra !== undefined || !realTime || !UUID.test(id ?? '')) {
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
 * A DATETIME(3) / TEXT time column as the contract's ISO text, written by the database (the
 * driver then has no time to parse). Aliased apart from the column: ORDER BY would take an alias
 * of the same name for the column and leave the index.
 */
function isoTimeColumn(db: Knex, column: string, alias: string): string {
  return isMysql(db)
    ? `CONCAT(LEFT(DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z') AS ${alias}`
    : `replace(${column}, ' ', 'T') || 'Z' AS ${alias}`;
}

/**
 * The page as plain SQL (prepared on MySQL): at most 8 distinct statements (the filters and the
 * cursor), the limit bound as a parameter. Keyset on the (user_id, created_at, id) index.
 */
function pageRows(db: Knex, userId: string, query: HistoryQuery, after: Position | null): Promise<IsoTransactionRow[]> {
  const { where, bindings } = historyFilter(userId, query);
  const keyset = after ? ' AND (created_at < ? OR (created_at = ? AND id < ?))' : '';
  const columns = `id, type, status, amount, fee, description, ${isoTimeColumn(db, 'created_at', 'created_iso')}, ${isoTimeColumn(db, 'confirmed_at', 'confirmed_iso')}`;
  const sql = `SELECT ${columns} FROM transactions WHERE ${where}${keyset} ORDER BY created_at DESC, id DESC LIMIT ?`;
  const keysetBindings = after ? [after.createdAt, after.createdAt, after.id] : [];
  // The limit travels as text: MySQL 8 refuses a double (mysql2's type for numbers) in LIMIT.
  return selectRows<IsoTransactionRow>(db, sql, [...bindings, ...keysetBindings, String(query.limit + 1)]);
}

/** The page's total, and whether an overdue payment must be expired first (its purchase then reads as failed): one statement. */
async function totalAndOverdue(db: Knex, userId: string, query: HistoryQuery, now: string): Promise<{ total: number; overdue: boolean }> {
  const total = transactionTotalSql(userId, query);
  const overdue = overduePaymentSql(userId, now);
  const [row] = await selectRows<{ total: string | number; overdue: string | number }>(
    db,
    `SELECT (${total.sql}) AS total, EXISTS (${overdue.sql}) AS overdue`,
    [...total.bindings, ...overdue.bindings],
  );
  return { total: Number(row.total), overdue: Number(row.overdue) === 1 };
}

async function readPage(db: Knex, userId: string, query: HistoryQuery, after: Position | null) {
  const [rows, counted] = await Promise.all([pageRows(db, userId, query, after), totalAndOverdue(db, userId, query, nowDbTime())]);
  return { rows, ...counted };
}

/** One page of a user's history, newest first, by keyset on (created_at, id). */
export async function listTransactions(db: Knex, userId: string, query: HistoryQuery): Promise<TransactionsOutput> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  let page = await readPage(db, userId, query, after);
  if (page.overdue) {
    // Rare: a payment ran out since it was last read. Expire it, then read the page it changed.
    await expireOverduePayments(db, { userId });
    page = await readPage(db, userId, query, after);
  }
  const { rows, total } = page;
  const hasMore = rows.length > query.limit;
  const shown = hasMore ? rows.slice(0, query.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    user_id: userId,
    total,
    next_cursor: hasMore && last ? encodeCursor({ createdAt: dbTimeOfIso(last.created_iso), id: last.id }) : null,
    transactions: shown.map(toTransactionOutputOfIsoRow),
  };
}
