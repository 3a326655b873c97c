import type { BalanceOutput, TransactionOutput } from '../../shared/schemas/users.js';
import type { Transaction } from '../models/Transaction.js';
import type { Wallet } from '../models/Wallet.js';
import { toIsoTime, toIsoTimeOrNull } from '../time.js';
import { amountPair } from './amounts.js';

/** Database rows → the contract's JSON shapes (used by responses and live events alike). */

export function toBalanceOutput(wallet: Pick<Wallet, 'user_id' | 'address' | 'balance' | 'updated_at'>): BalanceOutput {
  const balance = amountPair(wallet.balance);
  return {
    user_id: wallet.user_id,
    address: wallet.address,
    balance: balance.number,
    balance_exact: balance.exact,
    updated_at: toIsoTime(wallet.updated_at),
  };
}

type TransactionRow = Pick<Transaction, 'id' | 'type' | 'status' | 'amount' | 'fee' | 'description' | 'created_at' | 'confirmed_at'>;

/** A transaction row whose times the database already wrote as ISO text (history pages). */
export type IsoTransactionRow = Omit<TransactionRow, 'created_at' | 'confirmed_at'> & { created_iso: string; confirmed_iso: string | null };

export function toTransactionOutput(row: TransactionRow): TransactionOutput {
  const { created_at, confirmed_at, ...rest } = row;
  return toTransactionOutputOfIsoRow({ ...rest, created_iso: toIsoTime(created_at), confirmed_iso: toIsoTimeOrNull(confirmed_at) });
}

export function toTransactionOutputOfIsoRow(row: IsoTransactionRow): TransactionOutput {
  const amount = amountPair(row.amount);
  const fee = amountPair(row.fee);
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amount: amount.number,
    amount_exact: amount.exact,
    fee: fee.number,
    fee_exact: fee.exact,
    description: row.description,
    created_at: row.created_iso,
    confirmed_at: row.confirmed_iso,
  };
}
