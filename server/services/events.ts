import type { Knex } from 'knex';
import type { BalanceOutput, TransactionOutput } from '../../shared/schemas/users.js';
import { LedgerEvent } from '../models/LedgerEvent.js';
import { nowDbTime } from '../time.js';

/**
 * `{"type":"balance", ...balance shape}` or `{"type":"transaction", ...transaction shape}`.
 * A transaction has a `type` of its own (deposit, purchase…): in events it is `transaction_type`.
 */
export type LiveEvent =
  | ({ type: 'balance' } & BalanceOutput)
  | ({ type: 'transaction'; transaction_type: TransactionOutput['type'] } & Omit<TransactionOutput, 'type'>);

export function balanceEvent(balance: BalanceOutput): LiveEvent {
  return { type: 'balance', ...balance };
}

export function transactionEvent({ type, ...rest }: TransactionOutput): LiveEvent {
  return { type: 'transaction', transaction_type: type, ...rest };
}

/** Writes an event row inside the caller's transaction; it becomes visible only if that commits. */
export async function recordEvent(trx: Knex.Transaction, userId: string, event: LiveEvent): Promise<void> {
  const { type, ...payload } = event;
  await LedgerEvent.query(trx).insert({ user_id: userId, type, payload: JSON.stringify(payload), created_at: nowDbTime() });
}

export interface StoredEvent {
  id: string;
  event: LiveEvent;
}

/** A user's events after `afterId`, oldest first. */
export async function readEventsAfter(db: Knex, userId: string, afterId: number, limit: number): Promise<StoredEvent[]> {
  const rows = await LedgerEvent.query(db)
    .select('id', 'type', 'payload')
    .where('user_id', userId)
    .where('id', '>', afterId)
    .orderBy('id', 'asc')
    .limit(limit);
  return rows.map((row) => ({ id: String(row.id), event: { type: row.type, ...JSON.parse(row.payload) } as LiveEvent }));
}

/** The newest event id of a user (0 if none): where a fresh subscription starts. */
export async function latestEventId(db: Knex, userId: string): Promise<number> {
  const row = (await db('ledger_events').where('user_id', userId).max('id as id').first()) as { id: number | string | null } | undefined;
  return Number(row?.id ?? 0);
}

/** Events are for live delivery and short reconnect gaps; history lives in `transactions`. */
export async function deleteEventsOlderThan(db: Knex, cutoff: string): Promise<number> {
  return LedgerEvent.query(db).delete().where('created_at', '<', cutoff);
}
