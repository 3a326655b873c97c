import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, expectRestError, expectValidationError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, balanceExact, buy, confirm, history, newTxHash, signature, webhook } from './exchange.support.js';

describe.each(dialects)('POST /api/exchange/confirm-payment/{payment_id} on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);

  describe('signature', () => {
    it('refuses a missing X-Webhook-Signature with 401', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 6 }, { sign: null });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(await balanceExact(suite.url, user)).toBe('0.00000000');
    });

    it('refuses a signature made with another secret with 401', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const body = JSON.stringify({ tx_hash: newTxHash(), confirmations: 6 });
      const res = await webhook(suite.url, payment.payment_id, null, { rawBody: body, sign: signature(body, 'not-the-webhook-secret') });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(await balanceExact(suite.url, user)).toBe('0.00000000');
    });

    it('refuses a body altered after signing with 401', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      const signed = JSON.stringify({ tx_hash: hash, confirmations: 0 });
      const altered = JSON.stringify({ tx_hash: hash, confirmations: 6 });
      const res = await webhook(suite.url, payment.payment_id, null, { rawBody: altered, sign: signature(signed) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      const status = await api(suite.url, 'GET', `/api/exchange/payment-status/${payment.payment_id}`, { token: user.token });
      expect(status.body).toMatchObject({ status: 'pending', confirmations: 0, tx_hash: null });
    });

    it('refuses a change of formatting only (the signature covers the exact bytes)', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const compact = JSON.stringify({ tx_hash: newTxHash(), confirmations: 3 });
      const spaced = compact.replace(',', ', ');
      const res = await webhook(suite.url, payment.payment_id, null, { rawBody: spaced, sign: signature(compact) });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });

    it.each([
      ['no sha256= prefix', (raw: string) => signature(raw).slice('sha256='.length)],
      ['a truncated digest', (raw: string) => signature(raw).slice(0, -2)],
      ['garbage', () => 'sha256=not-hex'],
      ['an empty value', () => ''],
      ['another algorithm name', (raw: string) => signature(raw).replace('sha256=', 'sha1=')],
    ])('refuses a malformed signature header (%s) with 401', async (_name, make) => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const raw = JSON.stringify({ tx_hash: newTxHash(), confirmations: 3 });
      expectRestError(await webhook(suite.url, payment.payment_id, null, { rawBody: raw, sign: make(raw) }), 401, 'UNAUTHORIZED');
    });

    it('checks the signature before validating the body', async () => {
      const res = await webhook(suite.url, 'not-a-uuid', { tx_hash: '', confirmations: -1 }, { sign: null });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });

    it('accepts the signature in upper-case hex', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const raw = JSON.stringify({ tx_hash: newTxHash(), confirmations: 3 });
      const res = await webhook(suite.url, payment.payment_id, null, { rawBody: raw, sign: `sha256=${signature(raw).slice(7).toUpperCase()}` });
      expect(res.status).toBe(200);
    });

    it('needs no session token', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 3 });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('confirmed');
    });

    it('is not accepted over the tRPC adapter, which does not keep the raw body', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const input = { payment_id: payment.payment_id, tx_hash: newTxHash(), confirmations: 3 };
      const res = await api(suite.url, 'POST', '/trpc/exchange.confirmPayment', {
        body: input,
        headers: { 'X-Webhook-Signature': signature(JSON.stringify(input)) },
      });
      expect(res.status).toBe(401);
      expect(trpcErrorCode(res.body)).toBe('UNAUTHORIZED');
      expect(await balanceExact(suite.url, user)).toBe('0.00000000');
    });
  });

  describe('validation', () => {
    it('refuses a malformed payment id with 400', async () => {
      expectValidationError(await webhook(suite.url, 'not-a-uuid', { tx_hash: newTxHash(), confirmations: 3 }), 'payment_id');
    });

    it('answers 404 for an unknown payment', async () => {
      const res = await webhook(suite.url, '00000000-0000-4000-8000-000000000000', { tx_hash: newTxHash(), confirmations: 3 });
      expectRestError(res, 404, 'NOT_FOUND');
    });

    it.each([
      ['negative confirmations', { tx_hash: 'ab', confirmations: -1 }, 'confirmations'],
      ['fractional confirmations', { tx_hash: 'ab', confirmations: 1.5 }, 'confirmations'],
      ['confirmations as a string', { tx_hash: 'ab', confirmations: '3' }, 'confirmations'],
      ['confirmations as null', { tx_hash: 'ab', confirmations: null }, 'confirmations'],
      ['confirmations as true', { tx_hash: 'ab', confirmations: true }, 'confirmations'],
      ['confirmations as an empty string', { tx_hash: 'ab', confirmations: '' }, 'confirmations'],
      ['missing confirmations', { tx_hash: 'ab' }, 'confirmations'],
      ['an empty tx_hash', { tx_hash: '', confirmations: 3 }, 'tx_hash'],
      ['a tx_hash with spaces', { tx_hash: 'a b', confirmations: 3 }, 'tx_hash'],
      ['missing tx_hash', { confirmations: 3 }, 'tx_hash'],
    ])('refuses %s with 400', async (_name, body, field) => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      expectValidationError(await webhook(suite.url, payment.payment_id, body), field);
    });
  });

  describe('under-confirmed', () => {
    it('records the confirmations and tx_hash and leaves the payment pending', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: payment.required_confirmations - 1 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'pending', confirmations: payment.required_confirmations - 1, tx_hash: hash, confirmed_at: null });
      expect(await balanceExact(suite.url, user)).toBe('0.00000000');
      expect((await history(suite.url, user)).transactions[0]).toMatchObject({ status: 'pending', fee_exact: '0.00000000' });
    });

    it('counts zero confirmations (seen in the mempool) as pending', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: newTxHash(), confirmations: 0 });
      expect(res.body).toMatchObject({ status: 'pending', confirmations: 0 });
    });

    it('never lowers the confirmation count when webhooks arrive out of order', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 2 });
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 1 });
      expect(res.body).toMatchObject({ status: 'pending', confirmations: 2 });
    });

    it('confirms once later webhooks reach the required count', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      for (let n = 0; n < payment.required_confirmations; n++) {
        expect((await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: n })).body.status).toBe('pending');
      }
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: payment.required_confirmations });
      expect(res.body.status).toBe('confirmed');
      expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    });
  });

  describe('confirmed', () => {
    it('credits aitbc_amount minus the 0.5% fee and completes the purchase', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      const res = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 6 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        payment_id: payment.payment_id,
        status: 'confirmed',
        confirmations: 6,
        tx_hash: hash,
        fee_exact: '5.00000000',
      });
      expect(res.body.confirmed_at).toMatch(ISO_MS_Z);
      expect(await balanceExact(suite.url, user)).toBe('995.00000000');
      const { transactions } = await history(suite.url, user);
      expect(transactions).toHaveLength(1);
      expect(transactions[0]).toMatchObject({
        id: payment.transaction_id,
        type: 'purchase',
        status: 'completed',
        amount_exact: '1000.00000000',
        fee: 5,
        fee_exact: '5.00000000',
        confirmed_at: res.body.confirmed_at,
      });
    });

    it('shows the confirmed payment in payment-status', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const confirmed = await confirm(suite.url, payment);
      const status = await api(suite.url, 'GET', `/api/exchange/payment-status/${payment.payment_id}`, { token: user.token });
      expect(status.body).toEqual(confirmed);
    });

    // fee = 0.5% of the AITBC amount, rounded half-up to 8 decimals.
    it.each([
      ['1000', '5.00000000', '995.00000000'],
      ['10', '0.05000000', '9.95000000'],
      // 10.000001 × 0.005 = 0.050000005: exactly half a unit, rounds up.
      ['10.000001', '0.05000001', '9.95000099'],
      // 10.00000099 × 0.005 = 0.04999999995 + … = 0.0500000049500: below half, rounds down.
      ['10.00000099', '0.05000000', '9.95000099'],
      // 12.34567891 × 0.005 = 0.06172839455: rounds down.
      ['12.34567891', '0.06172839', '12.28395052'],
      // 33.3333333 × 0.005 = 0.1666666665: exactly half, rounds up.
      ['33.3333333', '0.16666667', '33.16666663'],
    ])('credits %s AITBC with fee %s (net %s)', async (aitbc, fee, net) => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, aitbc);
      expect(payment.fee_exact).toBe(fee);
      const res = await confirm(suite.url, payment);
      expect(res.fee_exact).toBe(fee);
      expect(await balanceExact(suite.url, user)).toBe(net);
      expect((await history(suite.url, user)).transactions[0]).toMatchObject({ status: 'completed', amount_exact: `${Number(aitbc).toFixed(8)}`, fee_exact: fee });
    });

    it('adds to an existing balance exactly', async () => {
      const user = await loginNewUser(suite.url);
      await api(suite.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: '0.1' } });
      const payment = await buy(suite.url, user.token, '10.000001');
      await confirm(suite.url, payment);
      expect(await balanceExact(suite.url, user)).toBe('10.05000099');
    });

    it('returns the payment unchanged (200) when the webhook is delivered again', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      const first = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 3 });
      const again = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 3 });
      const more = await webhook(suite.url, payment.payment_id, { tx_hash: hash, confirmations: 9 });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(more.body).toEqual(first.body);
      expect(await balanceExact(suite.url, user)).toBe('995.00000000');
      const { transactions } = await history(suite.url, user);
      expect(transactions.filter((t) => t.status === 'completed')).toHaveLength(1);
    });

    it('refuses, as a replayed signature, a tx_hash that already paid another payment', async () => {
      const user = await loginNewUser(suite.url);
      const first = await buy(suite.url, user.token, '1000');
      const second = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      await confirm(suite.url, first, hash);
      const replayed = await webhook(suite.url, second.payment_id, { tx_hash: hash, confirmations: 3 });
      expectRestError(replayed, 401, 'UNAUTHORIZED');
      expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    });

    it('refuses a signed body replayed against another payment after its first delivery failed', async () => {
      const victim = await loginNewUser(suite.url);
      const attacker = await loginNewUser(suite.url);
      const target = await buy(suite.url, attacker.token, '1000');
      const body = { tx_hash: newTxHash(), confirmations: 3 };
      // First delivered for a payment id that does not exist (it would be the same for an expired one).
      const unknown = await webhook(suite.url, '00000000-0000-4000-8000-000000000000', body);
      expect(unknown.status).toBe(404);
      const replayed = await webhook(suite.url, target.payment_id, body);
      expectRestError(replayed, 401, 'UNAUTHORIZED');
      expect(await balanceExact(suite.url, attacker)).toBe('0.00000000');
      expect(await balanceExact(suite.url, victim)).toBe('0.00000000');
    });

    it('treats a tx_hash in another letter case as the same Bitcoin transaction', async () => {
      const user = await loginNewUser(suite.url);
      const first = await buy(suite.url, user.token, '1000');
      const second = await buy(suite.url, user.token, '1000');
      const hash = newTxHash();
      await confirm(suite.url, first, hash);
      const upper = await webhook(suite.url, second.payment_id, { tx_hash: hash.toUpperCase(), confirmations: 3 });
      expectRestError(upper, 401, 'UNAUTHORIZED');
      expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    });

    it('writes the same amounts to the database as it returns', async () => {
      const user = await loginNewUser(suite.url);
      const payment = await buy(suite.url, user.token, '33.3333333');
      await confirm(suite.url, payment);
      const row = await suite.db('payments').where('id', payment.payment_id).first();
      const tx = await suite.db('transactions').where('id', payment.transaction_id).first();
      const wallet = await suite.db('wallets').where('user_id', user.userId).first();
      expect(row.status).toBe('confirmed');
      expect(String(tx.fee)).toBe('0.16666667');
      expect(tx.status).toBe('completed');
      expect(String(wallet.balance)).toBe('33.16666663');
    });
  });
});

describe.each(dialects)('fees on the smallest amounts (1 AITBC per BTC, no minimum) on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...EXCHANGE_ENV, EXCHANGE_BTC_TO_AITBC: '1', EXCHANGE_MIN_BTC: '0.00000001' });

  it.each([
    // 0.00000001 × 0.5% = 0.00000000005: rounds to no fee; the whole unit is credited.
    ['0.00000001', '0.00000000', '0.00000001'],
    // 0.000001 × 0.5% = 0.000000005: exactly half a unit, rounds up.
    ['0.000001', '0.00000001', '0.00000099'],
    // 0.00000099 × 0.5% = 0.00000000495: below half, rounds down.
    ['0.00000099', '0.00000000', '0.00000099'],
  ])('buys %s AITBC with fee %s and credits %s', async (aitbc, fee, net) => {
    const user = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/api/exchange/create-payment', { token: user.token, body: { aitbc_amount: aitbc, btc_amount: aitbc } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.fee_exact).toBe(fee);
    await confirm(suite.url, res.body);
    expect(await balanceExact(suite.url, user)).toBe(net);
    expect((await history(suite.url, user)).transactions[0]).toMatchObject({ status: 'completed', fee_exact: fee });
  });
});
