import { randomBytes, randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { PaymentOutput } from '../../shared/schemas/exchange.js';
import { formatAmount } from '../../shared/schemas/money.js';
import { isMysql, selectRows } from '../db.js';
import { isRetryableConflict, isUniqueViolation } from '../dbErrors.js';
import type { Config } from '../env.js';
import { Payment } from '../models/Payment.js';
import { nowDbTime, toDbTime, toIsoTime, toIsoTimeOrNull } from '../time.js';
import { amountPair, unitsFromDb, unitsToDb } from './amounts.js';
import type { EventHub } from './eventHub.js';
import { changeBalance, recordTransaction, settleTransactions } from './ledger.js';
import { btcUnitsFor, exchangeTerms, feeUnitsFor, trimDecimal } from './rates.js';

type PaymentConfig = Pick<Config, 'exchange' | 'btcPaymentAddress' | 'paymentTimeoutSeconds' | 'paymentRequiredConfirmations'>;

export interface PaymentOwner {
  userId: string;
  walletId: string;
}

export interface PaymentRequest {
  aitbcUnits: bigint;
  btcUnits: bigint;
}

/** What the payment processor reports about the Bitcoin transaction paying a request. */
export interface PaymentWebhook {
  txHash: string;
  confirmations: number;
}

export function toPaymentOutput(payment: Payment): PaymentOutput {
  const aitbc = amountPair(payment.aitbc_amount);
  const btc = amountPair(payment.btc_amount);
  const fee = amountPair(payment.fee_amount);
  return {
    payment_id: payment.id,
    user_id: payment.user_id,
    transaction_id: payment.transaction_id,
    aitbc_amount: aitbc.number,
    aitbc_amount_exact: aitbc.exact,
    btc_amount: btc.number,
    btc_amount_exact: btc.exact,
    fee: fee.number,
    fee_exact: fee.exact,
    payment_address: payment.payment_address,
    // BIP-21: bitcoin:<address>?amount=<decimal BTC>
    payment_uri: `bitcoin:${payment.payment_address}?amount=${trimDecimal(btc.exact)}`,
    status: payment.status,
    confirmations: payment.confirmations,
    required_confirmations: payment.required_confirmations,
    tx_hash: payment.tx_hash,
    created_at: toIsoTime(payment.created_at),
    expires_at: toIsoTime(payment.expires_at),
    confirmed_at: toIsoTimeOrNull(payment.confirmed_at),
  };
}

/**
 * A payment request: the amounts are checked exactly (btc = aitbc / rate, half-up to 8
 * decimals) and the pending purchase is recorded with the payment, in one transaction.
 */
export async function createPayment(
  db: Knex,
  events: EventHub,
  config: PaymentConfig,
  owner: PaymentOwner,
  request: PaymentRequest,
): Promise<PaymentOutput> {
  const terms = exchangeTerms(config);
  const expectedBtc = btcUnitsFor(terms, request.aitbcUnits);
  if (request.btcUnits !== expectedBtc) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `Amount mismatch: ${trimDecimal(formatAmount(request.aitbcUnits))} AITBC costs ${trimDecimal(formatAmount(expectedBtc))} BTC at ${terms.texts.btcToAitbc} AITBC per BTC.`,
    });
  }
  if (request.btcUnits < terms.minBtcUnits || request.btcUnits > terms.maxBtcUnits) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `A purchase must be between ${trimDecimal(formatAmount(terms.minBtcUnits))} and ${trimDecimal(formatAmount(terms.maxBtcUnits))} BTC.`,
    });
  }
  const fee = feeUnitsFor(terms, request.aitbcUnits);

  const payment = await db.transaction(async (trx) => {
    const purchase = await recordTransaction(trx, {
      ...owner,
      type: 'purchase',
      status: 'pending',
      amount: request.aitbcUnits,
      fee: 0n,
      description: `Buy ${trimDecimal(formatAmount(request.aitbcUnits))} AITBC with ${trimDecimal(formatAmount(request.btcUnits))} BTC`,
    });
    const createdAt = new Date();
    const row = {
      id: randomUUID(),
      user_id: owner.userId,
      wallet_id: owner.walletId,
      transaction_id: purchase.id,
      aitbc_amount: unitsToDb(request.aitbcUnits),
      btc_amount: unitsToDb(request.btcUnits),
      fee_amount: unitsToDb(fee),
      payment_address: config.btcPaymentAddress,
      status: 'pending' as const,
      confirmations: 0,
      required_confirmations: config.paymentRequiredConfirmations,
      tx_hash: null,
      created_at: toDbTime(createdAt),
      expires_at: toDbTime(new Date(createdAt.getTime() + config.paymentTimeoutSeconds * 1000)),
      confirmed_at: null,
    };
    await Payment.query(trx).insert(row);
    return Payment.fromJson(row, { skipValidation: true });
  });
  events.userChanged(owner.userId);
  return toPaymentOutput(payment);
}

async function findOwnPayment(db: Knex, userId: string, paymentId: string): Promise<Payment> {
  const payment = await Payment.query(db).findById(paymentId);
  if (!payment) throw new TRPCError({ code: 'NOT_FOUND', message: 'There is no payment with that id.' });
  if (payment.user_id !== userId) throw new TRPCError({ code: 'FORBIDDEN', message: 'You can only see your own payments.' });
  return payment;
}

function isOverdue(payment: Pick<Payment, 'status' | 'expires_at'>, now: string): boolean {
  return payment.status === 'pending' && payment.expires_at <= now;
}

/** The caller's payment, as it stands now: a pending payment past its deadline reads as expired. */
export async function getOwnPayment(db: Knex, events: EventHub, userId: string, paymentId: string): Promise<PaymentOutput> {
  let payment = await findOwnPayment(db, userId, paymentId);
  if (isOverdue(payment, nowDbTime())) {
    await expireOverduePayments(db, { paymentId }, events);
    payment = (await Payment.query(db).findById(paymentId))!;
  }
  return toPaymentOutput(payment);
}

/**
 * Marks the given payments expired and fails their purchases, if they are still pending and past
 * their deadline when locked. Runs inside the caller's transaction; returns the owners touched.
 */
async function expireLocked(trx: Knex.Transaction, paymentIds: string[], now: string): Promise<string[]> {
  const query = Payment.query(trx)
    .select('id', 'user_id', 'transaction_id')
    .whereIn('id', paymentIds)
    .where('status', 'pending')
    .where('expires_at', '<=', now);
  const overdue = await (isMysql(trx) ? query.forUpdate() : query);
  if (!overdue.length) return [];
  await Payment.query(trx).patch({ status: 'expired' }).whereIn('id', overdue.map((p) => p.id)).where('status', 'pending');
  await settleTransactions(trx, overdue.map((p) => p.transaction_id), { status: 'failed' });
  return overdue.map((p) => p.user_id);
}

/** Whether the user has a pending payment past its expiry (then expireOverduePayments has work), as an EXISTS subquery. */
export function overduePaymentSql(userId: string, now: string): { sql: string; bindings: string[] } {
  return { sql: "SELECT 1 FROM payments WHERE user_id = ? AND status = 'pending' AND expires_at <= ?", bindings: [userId, now] };
}

/**
 * Expiry is applied lazily wherever payments or purchases are read (status, history, webhook),
 * so it never depends on a timer having run. Returns how many payments it expired.
 */
export async function expireOverduePayments(
  db: Knex,
  scope: { userId?: string; paymentId?: string } = {},
  events?: EventHub,
): Promise<number> {
  const now = nowDbTime();
  // Every history page and payment read asks, so it is plain SQL (prepared on MySQL).
  let sql = "SELECT id FROM payments WHERE status = 'pending' AND expires_at <= ?";
  const bindings = [now];
  if (scope.userId) {
    sql += ' AND user_id = ?';
    bindings.push(scope.userId);
  }
  if (scope.paymentId) {
    sql += ' AND id = ?';
    bindings.push(scope.paymentId);
  }
  const ids = (await selectRows<{ id: string }>(db, `${sql} LIMIT 500`, bindings)).map((p) => p.id);
  if (!ids.length) return 0;
  const owners = await withRetry(() => db.transaction((trx) => expireLocked(trx, ids, now)));
  for (const userId of new Set(owners)) events?.userChanged(userId);
  return owners.length;
}

/** The row changed between our read and our conditional update: run the transaction again. */
class StaleRead extends Error {}

async function withRetry<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !(err instanceof StaleRead || isRetryableConflict(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, attempt * (5 + Math.random() * 20)));
    }
  }
}

type WebhookOutcome =
  | { kind: 'applied'; payment: Payment }
  | { kind: 'missing' }
  | { kind: 'expired'; userId: string; expiresAt: string }
  | { kind: 'tx-hash-taken' }
  | { kind: 'replayed' };

/**
 * Binds a Bitcoin transaction to the payment its signed webhook first named, and answers the
 * payment it is bound to. Concurrent first deliveries race on the primary key; the loser retries.
 */
async function bindTxHash(trx: Knex.Transaction, txHash: string, paymentId: string, now: string): Promise<string> {
  const bound = await trx('webhook_tx_hashes').where('tx_hash', txHash).first('payment_id');
  if (bound) return bound.payment_id as string;
  try {
    await trx('webhook_tx_hashes').insert({ tx_hash: txHash, payment_id: paymentId, first_seen_at: now });
  } catch (err) {
    if (isUniqueViolation(err)) throw new StaleRead();
    throw err;
  }
  return paymentId;
}

/**
 * One webhook, in one database transaction. The payment row is locked first (FOR UPDATE on
 * MySQL; SQLite runs one writer at a time), so concurrent deliveries queue up and each sees the
 * previous one's result: only the first to find it pending with enough confirmations credits.
 * The status change is also a conditional UPDATE … WHERE status = 'pending', whose row count
 * must be 1 before anything is credited.
 */
async function applyWebhook(trx: Knex.Transaction, paymentId: string, webhook: PaymentWebhook): Promise<WebhookOutcome> {
  const now = nowDbTime();
  if ((await bindTxHash(trx, webhook.txHash, paymentId, now)) !== paymentId) return { kind: 'replayed' };
  const query = Payment.query(trx).findById(paymentId);
  const payment = await (isMysql(trx) ? query.forUpdate() : query);
  if (!payment) return { kind: 'missing' };
  if (payment.status === 'confirmed') return { kind: 'applied', payment };
  if (payment.status === 'expired' || isOverdue(payment, now)) {
    await expireLocked(trx, [paymentId], now);
    return { kind: 'expired', userId: payment.user_id, expiresAt: payment.expires_at };
  }
  if (webhook.txHash !== payment.tx_hash) {
    const other = await Payment.query(trx).select('id').where('tx_hash', webhook.txHash).first();
    if (other) return { kind: 'tx-hash-taken' };
  }

  const confirmations = Math.max(payment.confirmations, webhook.confirmations);
  if (confirmations < payment.required_confirmations) {
    const seen = { confirmations, tx_hash: webhook.txHash };
    const updated = await Payment.query(trx).patch(seen).where('id', paymentId).where('status', 'pending');
    if (updated !== 1) throw new StaleRead();
    return { kind: 'applied', payment: Object.assign(payment, seen) };
  }

  const won = await Payment.query(trx)
    .patch({ status: 'confirmed', confirmations, tx_hash: webhook.txHash })
    .where('id', paymentId)
    .where('status', 'pending')
    .where('expires_at', '>', now);
  if (won !== 1) throw new StaleRead();
  const fee = unitsFromDb(payment.fee_amount);
  await changeBalance(trx, payment.wallet_id, unitsFromDb(payment.aitbc_amount) - fee);
  const [purchase] = await settleTransactions(trx, [payment.transaction_id], { status: 'completed', fee });
  if (!purchase) throw new Error(`Purchase ${payment.transaction_id} of payment ${paymentId} is not pending`);
  // The payment and its purchase carry the same confirmation time.
  const confirmed = { status: 'confirmed' as const, confirmations, tx_hash: webhook.txHash, confirmed_at: purchase.confirmed_at };
  await Payment.query(trx).patch({ confirmed_at: confirmed.confirmed_at }).where('id', paymentId);
  return { kind: 'applied', payment: Object.assign(payment, confirmed) };
}

/**
 * The payment processor's webhook (already authenticated). Idempotent: a confirmed payment is
 * returned unchanged; an expired one is a conflict and credits nothing.
 */
export async function confirmPayment(db: Knex, events: EventHub, paymentId: string, webhook: PaymentWebhook): Promise<PaymentOutput> {
  const outcome = await withRetry(() => db.transaction((trx) => applyWebhook(trx, paymentId, webhook)));
  if (outcome.kind === 'applied') events.userChanged(outcome.payment.user_id);
  if (outcome.kind === 'expired') events.userChanged(outcome.userId);
  switch (outcome.kind) {
    case 'missing':
      throw new TRPCError({ code: 'NOT_FOUND', message: 'There is no payment with that id.' });
    case 'expired':
      throw new TRPCError({
        code: 'CONFLICT',
        message: `This payment request expired at ${toIsoTime(outcome.expiresAt)}; nothing was credited.`,
      });
    case 'replayed':
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: 'This signed webhook names a Bitcoin transaction already reported for another payment: a replayed signature.',
      });
    case 'tx-hash-taken':
      throw new TRPCError({ code: 'CONFLICT', message: 'That Bitcoin transaction already pays another payment request.' });
    case 'applied':
      return toPaymentOutput(outcome.payment);
  }
}

/**
 * Demo mode: plays the testnet payment for the owner — the processor first sees a (fake)
 * transaction, then reports it confirmed — through the same code path as the real webhook.
 */
export async function simulatePayment(
  db: Knex,
  events: EventHub,
  config: Pick<Config, 'demoMode'>,
  userId: string,
  paymentId: string,
): Promise<PaymentOutput> {
  if (!config.demoMode) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Simulated payments are only available in demo mode.' });
  }
  const payment = await findOwnPayment(db, userId, paymentId);
  if (payment.status === 'confirmed') return toPaymentOutput(payment);
  const txHash = payment.tx_hash ?? randomBytes(32).toString('hex');
  await confirmPayment(db, events, paymentId, { txHash, confirmations: 0 });
  return confirmPayment(db, events, paymentId, { txHash, confirmations: payment.required_confirmations });
}
