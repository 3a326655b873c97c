import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType } from '../../shared/schemas/users.js';
import { isMysql } from '../db.js';
import { Transaction } from '../models/Transaction.js';
import { Wallet } from '../models/Wallet.js';
import { nowDbTime } from '../time.js';
import { unitsFromDb, unitsToDb } from './amounts.js';
import { balanceEvent, recordEvent, transactionEvent } from './events.js';
import { toBalanceOutput, toTransactionOutput } from './shapes.js';
import { adjustTransactionCount } from './transactionCounts.js';

/** DECIMAL(38,8) holds 30 integer digits: the same ceiling applies on SQLite. */
const MAX_BALANCE_UNITS = 10n ** 38n - 1n;

/**
 * The one place balances and transactions change. Every function runs inside the caller's
 * database transaction and first locks the wallet row (SELECT … FOR UPDATE on MySQL; SQLite
 * serialises writers), so one user's changes — and their live events — are strictly ordered.
 */
export async function lockWallet(trx: Knex.Transaction, walletId: string): Promise<Wallet> {
  const query = Wallet.query(trx).findById(walletId);
  const wallet = await (isMysql(trx) ? query.forUpdate() : query);
  if (!wallet) throw new Error(`Wallet ${walletId} not found`);
  return wallet;
}

/** Adds `units` (may be negative, never below zero) to the wallet's balance. */
export async function changeBalance(trx: Knex.Transaction, walletId: string, units: bigint): Promise<Wallet> {
  const wallet = await lockWallet(trx, walletId);
  const next = unitsFromDb(wallet.balance) + units;
  if (next < 0n) throw new Error('Balance would become negative');
  if (next > MAX_BALANCE_UNITS) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'That would take the balance beyond the largest amount a wallet can hold.' });
  }
  const patch = { balance: unitsToDb(next), updated_at: nowDbTime() };
  await Wallet.query(trx).patch(patch).where('id', walletId);
  Object.assign(wallet, patch);
  await recordEvent(trx, wallet.user_id, balanceEvent(toBalanceOutput(wallet)));
  return wallet;
}

export interface NewTransaction {
  userId: string;
  walletId: string;
  type: TransactionType;
  status: TransactionStatus;
  amount: bigint;
  fee: bigint;
  description: string | null;
}

async function insertTransaction(trx: Knex.Transaction, tx: NewTransaction): Promise<Transaction> {
  const now = nowDbTime();
  const row = {
    id: randomUUID(),
    user_id: tx.userId,
    wallet_id: tx.walletId,
    type: tx.type,
    status: tx.status,
    amount: unitsToDb(tx.amount),
    fee: unitsToDb(tx.fee),
    description: tx.description,
    created_at: now,
    confirmed_at: tx.status === 'completed' ? now : null,
  };
  await Transaction.query(trx).insert(row);
  await adjustTransactionCount(trx, { userId: tx.userId, type: tx.type, status: tx.status }, 1);
  const transaction = Transaction.fromJson(row, { skipValidation: true });
  await recordEvent(trx, tx.userId, transactionEvent(toTransactionOutput(transaction)));
  return transaction;
}

/** A history row that moves no money yet (for example a pending purchase). */
export async function recordTransaction(trx: Knex.Transaction, tx: NewTransaction): Promise<Transaction> {
  await lockWallet(trx, tx.walletId);
  return insertTransaction(trx, tx);
}

/**
 * Moves pending transactions to a final status (completed with its fee, failed, cancelled).
 * Only rows still `pending` change; returns the changed rows.
 */
export async function settleTransactions(
  trx: Knex.Transaction,
  transactionIds: string[],
  outcome: { status: Exclude<TransactionStatus, 'pending'>; fee?: bigint },
): Promise<Transaction[]> {
  if (!transactionIds.length) return [];
  const pending = await Transaction.query(trx).whereIn('id', transactionIds).where('status', 'pending');
  const settled: Transaction[] = [];
  for (const transaction of pending) {
    await lockWallet(trx, transaction.wallet_id);
    const patch = {
      status: outcome.status,
      ...(outcome.fee !== undefined ? { fee: unitsToDb(outcome.fee) } : {}),
      ...(outcome.status === 'completed' ? { confirmed_at: nowDbTime() } : {}),
    };
    const changed = await Transaction.query(trx).patch(patch).where('id', transaction.id).where('status', 'pending');
    if (changed !== 1) continue;
    await adjustTransactionCount(trx, { userId: transaction.user_id, type: transaction.type, status: 'pending' }, -1);
    await adjustTransactionCount(trx, { userId: transaction.user_id, type: transaction.type, status: outcome.status }, 1);
    Object.assign(transaction, patch);
    await recordEvent(trx, transaction.user_id, transactionEvent(toTransactionOutput(transaction)));
    settled.push(transaction);
  }
  return settled;
}

/** A completed credit: the wallet gets `amount − fee` and the history shows it, atomically. */
export async function creditWallet(
  trx: Knex.Transaction,
  credit: Omit<NewTransaction, 'status'>,
): Promise<{ wallet: Wallet; transaction: Transaction }> {
  const wallet = await changeBalance(trx, credit.walletId, credit.amount - credit.fee);
  const transaction = await insertTransaction(trx, { ...credit, status: 'completed' });
  return { wallet, transaction };
}
