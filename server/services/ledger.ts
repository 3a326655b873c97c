import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TransactionStatus, TransactionType } from '../../shared/schemas/users.js';
import { isMysql } from '../db.js';
import { Transaction } from '../models/Transaction.js';
import { Wallet } from '../models/Wallet.js';
import { nowDbTime } from '../time.js';
import { unitsFromDb, unitsToDb } from './amounts.js';

/**
 * The one place balances change. Must run inside a database transaction: the wallet row is
 * locked (SELECT … FOR UPDATE on MySQL; SQLite serialises writers), the new balance is computed
 * exactly in base units, and the wallet and its transaction row are written together.
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
  const patch = { balance: unitsToDb(next), updated_at: nowDbTime() };
  await Wallet.query(trx).patch(patch).where('id', walletId);
  return Object.assign(wallet, patch);
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

export async function recordTransaction(trx: Knex.Transaction, tx: NewTransaction): Promise<Transaction> {
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
  return Transaction.fromJson(row, { skipValidation: true });
}

/** A completed credit: the wallet gets `amount − fee` and the history shows it, atomically. */
export async function creditWallet(
  trx: Knex.Transaction,
  credit: Omit<NewTransaction, 'status'>,
): Promise<{ wallet: Wallet; transaction: Transaction }> {
  const wallet = await changeBalance(trx, credit.walletId, credit.amount - credit.fee);
  const transaction = await recordTransaction(trx, { ...credit, status: 'completed' });
  return { wallet, transaction };
}
