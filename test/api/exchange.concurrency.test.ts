import { describe, expect, it } from 'vitest';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, balanceExact, buy, history, newTxHash, webhook } from './exchange.support.js';

const UNIT = 10n ** 8n;
const units = (text: string) => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole) * UNIT + BigInt(fraction.padEnd(8, '0'));
};
const exact = (value: bigint) => `${value / UNIT}.${(value % UNIT).toString().padStart(8, '0')}`;

describe.each(dialects)('concurrent confirmations on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);

  it('credits once when 25 identical webhooks arrive at the same time', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    const body = { tx_hash: newTxHash(), confirmations: payment.required_confirmations };
    const results = await Promise.all(Array.from({ length: 25 }, () => webhook(suite.url, payment.payment_id, body)));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
    for (const res of results) expect(res.body).toEqual(results[0].body);
    expect(results[0].body.status).toBe('confirmed');
    expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    const { transactions } = await history(suite.url, user);
    expect(transactions).toHaveLength(1);
    expect(transactions.filter((t) => t.status === 'completed')).toHaveLength(1);
    const credits = await suite.db('transactions').where({ user_id: user.userId, status: 'completed' }).count({ n: '*' }).first();
    expect(Number(credits!.n)).toBe(1);
  });

  it('credits once when webhooks and the simulator race on one payment', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '12.34567891');
    const body = { tx_hash: newTxHash(), confirmations: payment.required_confirmations };
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 4 === 0
        ? api(suite.url, 'POST', `/api/exchange/simulate-payment/${payment.payment_id}`, { token: user.token })
        : webhook(suite.url, payment.payment_id, body),
    );
    const results = await Promise.all(calls);
    // The simulator may lose the race for the tx_hash (409) or find the payment confirmed (200).
    for (const res of results) expect([200, 409]).toContain(res.status);
    expect(await balanceExact(suite.url, user)).toBe('12.28395052');
    expect((await history(suite.url, user, '?status=completed')).total).toBe(1);
  });

  it('sums 30 different payments confirmed at the same time exactly', async () => {
    const user = await loginNewUser(suite.url);
    // Amounts whose fees round both ways; all on one wallet, so every credit contends for it.
    const amounts = Array.from({ length: 30 }, (_, i) => `${10 + i * 7}.${String(1000001 + i * 333333).slice(-8)}`);
    const payments = [];
    for (const aitbc of amounts) payments.push(await buy(suite.url, user.token, aitbc));
    const results = await Promise.all(
      payments.map((p) => webhook(suite.url, p.payment_id, { tx_hash: newTxHash(), confirmations: p.required_confirmations })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    const expected = payments.reduce((sum, p) => sum + units(p.aitbc_amount_exact) - units(p.fee_exact), 0n);
    expect(await balanceExact(suite.url, user)).toBe(exact(expected));
    const completed = await history(suite.url, user, '?status=completed&limit=200');
    expect(completed.total).toBe(30);
    const fromHistory = completed.transactions.reduce((sum, t) => sum + units(t.amount_exact) - units(t.fee_exact), 0n);
    expect(fromHistory).toBe(expected);
  });

  it('keeps users apart when 30 payments of 3 users confirm at the same time', async () => {
    const users = [await loginNewUser(suite.url), await loginNewUser(suite.url), await loginNewUser(suite.url)];
    const payments = [];
    for (let i = 0; i < 30; i++) {
      const user = users[i % 3];
      payments.push({ user, payment: await buy(suite.url, user.token, `${100 + i}.00000${i % 10}01`) });
    }
    await Promise.all(
      payments.flatMap(({ payment }) => {
        const body = { tx_hash: newTxHash(), confirmations: payment.required_confirmations };
        return [webhook(suite.url, payment.payment_id, body), webhook(suite.url, payment.payment_id, body)];
      }),
    );
    for (const user of users) {
      const mine = payments.filter((p) => p.user === user).map((p) => p.payment);
      const expected = mine.reduce((sum, p) => sum + units(p.aitbc_amount_exact) - units(p.fee_exact), 0n);
      expect(await balanceExact(suite.url, user)).toBe(exact(expected));
      expect((await history(suite.url, user, '?status=completed')).total).toBe(10);
    }
  });

  it('creates 30 payment requests at the same time, each with its own pending purchase', async () => {
    const user = await loginNewUser(suite.url);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => api(suite.url, 'POST', '/api/exchange/create-payment', { token: user.token, body: { aitbc_amount: 1000, btc_amount: 0.01 } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(results.map((r) => r.body.payment_id)).size).toBe(30);
    expect(new Set(results.map((r) => r.body.transaction_id)).size).toBe(30);
    expect((await history(suite.url, user, '?status=pending&limit=200')).total).toBe(30);
  });
});
