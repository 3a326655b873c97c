import { beforeAll, describe, expect, it } from 'vitest';
import { expireOverduePayments } from '../../server/services/payments.js';
import { expectRestError, sleep, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, balanceExact, buy, confirm, history, newTxHash, webhook } from './exchange.support.js';

type User = Awaited<ReturnType<typeof loginNewUser>>;
type Payment = Awaited<ReturnType<typeof buy>>;

describe.each(dialects)('payment expiry (PAYMENT_TIMEOUT_SECONDS=1) on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...EXCHANGE_ENV, PAYMENT_TIMEOUT_SECONDS: '1' });
  const status = (user: User, payment: Payment) =>
    api(suite.url, 'GET', `/api/exchange/payment-status/${payment.payment_id}`, { token: user.token });

  // Payments made before the deadline passes, one per scenario, and a user per payment.
  const made: Record<string, { user: User; payment: Payment }> = {};
  let confirmedInTime: unknown;

  beforeAll(async () => {
    for (const name of ['read', 'history', 'late', 'lateUnread', 'confirmed', 'seen', 'simulate', 'sweep']) {
      const user = await loginNewUser(suite.url);
      made[name] = { user, payment: await buy(suite.url, user.token, '1000') };
      // Within the second the payment is payable:
      if (name === 'confirmed') confirmedInTime = await confirm(suite.url, made.confirmed.payment);
      if (name === 'seen') await webhook(suite.url, made.seen.payment.payment_id, { tx_hash: newTxHash(), confirmations: 1 });
    }
    await sleep(1100);
  });

  it('reads as expired in payment-status once past expires_at', async () => {
    const { user, payment } = made.read;
    const res = await status(user, payment);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ payment_id: payment.payment_id, status: 'expired', confirmed_at: null });
    expect(Date.parse(res.body.expires_at)).toBeLessThanOrEqual(Date.now());
  });

  it('fails the purchase in history when the payment expires', async () => {
    const { user, payment } = made.read;
    await status(user, payment);
    const { transactions } = await history(suite.url, user);
    expect(transactions[0]).toMatchObject({ id: payment.transaction_id, status: 'failed', confirmed_at: null });
  });

  it('fails the purchase in history even if nobody asked for the payment status', async () => {
    const { user, payment } = made.history;
    const { transactions } = await history(suite.url, user);
    expect(transactions[0]).toMatchObject({ id: payment.transaction_id, type: 'purchase', status: 'failed' });
    const filtered = await history(suite.url, user, '?status=pending');
    expect(filtered.total).toBe(0);
  });

  it('stores the expiry in the database, not only in the reply', async () => {
    const { user, payment } = made.read;
    await status(user, payment);
    expect((await suite.db('payments').where('id', payment.payment_id).first()).status).toBe('expired');
    expect((await suite.db('transactions').where('id', payment.transaction_id).first()).status).toBe('failed');
  });

  it('refuses a late webhook with 409 and credits nothing', async () => {
    const { user, payment } = made.late;
    await status(user, payment);
    const res = await webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 6 });
    expectRestError(res, 409, 'CONFLICT');
    expect(await balanceExact(suite.url, user)).toBe('0.00000000');
    expect((await status(user, payment)).body).toMatchObject({ status: 'expired', tx_hash: null });
    expect((await history(suite.url, user)).transactions[0].status).toBe('failed');
  });

  it('refuses a late webhook for a payment nobody has read since it expired, and expires it', async () => {
    const { user, payment } = made.lateUnread;
    expect((await suite.db('payments').where('id', payment.payment_id).first()).status).toBe('pending');
    const res = await webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 6 });
    expectRestError(res, 409, 'CONFLICT');
    expect((await suite.db('payments').where('id', payment.payment_id).first()).status).toBe('expired');
    expect((await suite.db('transactions').where('id', payment.transaction_id).first()).status).toBe('failed');
    expect(await balanceExact(suite.url, user)).toBe('0.00000000');
  });

  it('keeps refusing late webhooks however often they arrive', async () => {
    const { user, payment } = made.late;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 6 })),
    );
    expect(results.map((r) => r.status)).toEqual([409, 409, 409, 409, 409]);
    expect(await balanceExact(suite.url, user)).toBe('0.00000000');
  });

  it('leaves a payment confirmed before its deadline confirmed', async () => {
    const { user, payment } = made.confirmed;
    const res = await status(user, payment);
    expect(res.body).toEqual(confirmedInTime);
    expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    expect((await history(suite.url, user)).transactions[0].status).toBe('completed');
  });

  it('expires an under-confirmed payment, keeping what the processor reported', async () => {
    const { user, payment } = made.seen;
    const res = await status(user, payment);
    expect(res.body).toMatchObject({ status: 'expired', confirmations: 1 });
  });

  it('refuses to simulate an expired payment with 409', async () => {
    const { user, payment } = made.simulate;
    const res = await api(suite.url, 'POST', `/api/exchange/simulate-payment/${payment.payment_id}`, { token: user.token });
    expectRestError(res, 409, 'CONFLICT');
    expect(await balanceExact(suite.url, user)).toBe('0.00000000');
  });

  it('lets the background sweep expire overdue payments of every user', async () => {
    const { payment } = made.sweep;
    expect(await expireOverduePayments(suite.db)).toBeGreaterThanOrEqual(1);
    expect((await suite.db('payments').where('id', payment.payment_id).first()).status).toBe('expired');
    expect((await suite.db('transactions').where('id', payment.transaction_id).first()).status).toBe('failed');
    expect(await expireOverduePayments(suite.db)).toBe(0);
  });

  it('gives new payments a fresh deadline of PAYMENT_TIMEOUT_SECONDS', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    expect(payment.status).toBe('pending');
    expect(Date.parse(payment.expires_at) - Date.parse(payment.created_at)).toBe(1000);
  });
});
