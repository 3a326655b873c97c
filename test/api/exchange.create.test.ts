import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, NIL_USER_ID, UUID_LOWER, expectRestError, expectValidationError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, btcFor, createPayment, history } from './exchange.support.js';

describe.each(dialects)('POST /api/exchange/create-payment on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);

  it('returns a pending payment request with the contract fields', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user_id: userId,
      aitbc_amount: 1000,
      aitbc_amount_exact: '1000.00000000',
      btc_amount: 0.01,
      btc_amount_exact: '0.01000000',
      fee: 5,
      fee_exact: '5.00000000',
      payment_address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
      payment_uri: 'bitcoin:tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx?amount=0.01',
      status: 'pending',
      confirmations: 0,
      required_confirmations: 3,
      tx_hash: null,
      confirmed_at: null,
    });
    expect(res.body.payment_id).toMatch(UUID_LOWER);
    expect(res.body.transaction_id).toMatch(UUID_LOWER);
    expect(res.body.created_at).toMatch(ISO_MS_Z);
    expect(res.body.expires_at).toMatch(ISO_MS_Z);
  });

  it('sets expires_at one hour after created_at by default', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01 });
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(3600 * 1000);
  });

  it('records a pending purchase transaction for the AITBC amount', async () => {
    const user = await loginNewUser(suite.url);
    const payment = (await createPayment(suite.url, user.token, { aitbc_amount: '12.5', btc_amount: '0.000125' })).body;
    const { total, transactions } = await history(suite.url, user);
    expect(total).toBe(1);
    expect(transactions[0]).toMatchObject({
      id: payment.transaction_id,
      type: 'purchase',
      status: 'pending',
      amount_exact: '12.50000000',
      fee_exact: '0.00000000',
      confirmed_at: null,
    });
  });

  it('stores the payment in the payments table with exact amounts', async () => {
    const { token } = await loginNewUser(suite.url);
    const payment = (await createPayment(suite.url, token, { aitbc_amount: '123.45678901', btc_amount: '0.00123457' })).body;
    const row = await suite.db('payments').where('id', payment.payment_id).first();
    expect(String(row.aitbc_amount)).toBe('123.45678901');
    expect(String(row.btc_amount)).toBe('0.00123457');
    expect(row.status).toBe('pending');
    expect(row.transaction_id).toBe(payment.transaction_id);
  });

  it('leaves the balance untouched until the payment is confirmed', async () => {
    const user = await loginNewUser(suite.url);
    await createPayment(suite.url, user.token, { aitbc_amount: 1000, btc_amount: 0.01 });
    const balance = await api(suite.url, 'GET', `/api/users/${user.userId}/balance`, { token: user.token });
    expect(balance.body.balance_exact).toBe('0.00000000');
  });

  it('accepts user_id when it is the caller\'s own', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01, user_id: userId });
    expect(res.status).toBe(200);
  });

  it('refuses another user\'s user_id with 403', async () => {
    const { token } = await loginNewUser(suite.url);
    const other = await loginNewUser(suite.url);
    expectRestError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01, user_id: other.userId }), 403, 'FORBIDDEN');
    expectRestError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01, user_id: NIL_USER_ID }), 403, 'FORBIDDEN');
  });

  it('refuses a malformed user_id with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    expectValidationError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.01, user_id: 'me' }), 'user_id');
  });

  it('requires a session', async () => {
    expectRestError(await createPayment(suite.url, '', { aitbc_amount: 1000, btc_amount: 0.01 }), 401, 'UNAUTHORIZED');
  });

  it('refuses a BTC amount that does not match the rate with "Amount mismatch"', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: 0.011 });
    expectRestError(res, 400, 'BAD_REQUEST');
    expect(res.body.message).toMatch(/^Amount mismatch/);
  });

  it('compares the amounts exactly: one satoshi off is a mismatch', async () => {
    const { token } = await loginNewUser(suite.url);
    expectRestError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: '0.01000001' }), 400, 'BAD_REQUEST');
    expectRestError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: '0.00999999' }), 400, 'BAD_REQUEST');
  });

  it('rounds the BTC amount half-up to 8 decimals (10.0005 AITBC costs 0.00010001 BTC)', async () => {
    const { token } = await loginNewUser(suite.url);
    // 10.0005 / 100000 = 0.000100005: exactly half a satoshi, which rounds up.
    const down = await createPayment(suite.url, token, { aitbc_amount: '10.0005', btc_amount: '0.0001' });
    expect(down.status).toBe(400);
    expect(down.body.message).toMatch(/^Amount mismatch/);
    const up = await createPayment(suite.url, token, { aitbc_amount: '10.0005', btc_amount: '0.00010001' });
    expect(up.status).toBe(200);
    expect(up.body.btc_amount_exact).toBe('0.00010001');
  });

  it('rounds below half a satoshi down (10.00049999 AITBC costs 0.0001 BTC)', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: '10.00049999', btc_amount: '0.0001' });
    expect(res.status).toBe(200);
  });

  it('holds amounts above 2^53 base units exactly', async () => {
    const { token } = await loginNewUser(suite.url);
    // 999999.99999999 AITBC = 99999999999999 base units (> 2^53 would need 10^8 AITBC; this is within max_btc).
    const res = await createPayment(suite.url, token, { aitbc_amount: '999999.99999999', btc_amount: '10' });
    expect(res.status).toBe(200);
    expect(res.body.aitbc_amount_exact).toBe('999999.99999999');
    expect(res.body.fee_exact).toBe('5000.00000000');
  });

  it('accepts exactly min_btc and exactly max_btc', async () => {
    const { token } = await loginNewUser(suite.url);
    expect((await createPayment(suite.url, token, { aitbc_amount: 10, btc_amount: 0.0001 })).status).toBe(200);
    // 9.99999999 AITBC costs 0.0000999999999 BTC, which rounds to exactly the minimum.
    expect((await createPayment(suite.url, token, { aitbc_amount: '9.99999999', btc_amount: btcFor('9.99999999') })).status).toBe(200);
    expect((await createPayment(suite.url, token, { aitbc_amount: 1000000, btc_amount: 10 })).status).toBe(200);
  });

  it('refuses less than min_btc with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    // 9.9994 AITBC = 0.000099994 BTC → 0.00009999 BTC, one satoshi under the minimum.
    const res = await createPayment(suite.url, token, { aitbc_amount: '9.9994', btc_amount: '0.00009999' });
    expectRestError(res, 400, 'BAD_REQUEST');
    expect(res.body.message).toMatch(/between 0\.0001 and 10 BTC/);
  });

  it('refuses more than max_btc with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, { aitbc_amount: '1000000.001', btc_amount: '10.00000001' });
    expectRestError(res, 400, 'BAD_REQUEST');
    expect(res.body.message).toMatch(/between 0\.0001 and 10 BTC/);
  });

  const badAmounts: [string, unknown][] = [
    ['more than 8 decimals', '1000.000000001'],
    ['more than 8 decimals as a number', 10.123456789],
    ['a negative number', -1000],
    ['a negative string', '-1000'],
    ['zero', 0],
    ['zero as a string', '0.00000000'],
    ['an exponent string', '1e3'],
    ['a hex string', '0x10'],
    ['a string with spaces', ' 1000'],
    ['a leading plus', '+1000'],
    ['a comma decimal', '1000,5'],
    ['a leading zero', '01000'],
    ['a bare dot', '.5'],
    ['an empty string', ''],
    ['"NaN"', 'NaN'],
    ['"Infinity"', 'Infinity'],
    ['null', null],
    ['a boolean', true],
    ['an object', { value: 1000 }],
  ];

  it.each(badAmounts)('refuses aitbc_amount as %s with 400', async (_name, value) => {
    const { token } = await loginNewUser(suite.url);
    expectValidationError(await createPayment(suite.url, token, { aitbc_amount: value, btc_amount: 0.01 }), 'aitbc_amount');
  });

  it.each(badAmounts)('refuses btc_amount as %s with 400', async (_name, value) => {
    const { token } = await loginNewUser(suite.url);
    expectValidationError(await createPayment(suite.url, token, { aitbc_amount: 1000, btc_amount: value }), 'btc_amount');
  });

  it('refuses a body without the amounts', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await createPayment(suite.url, token, {});
    expectValidationError(res, 'aitbc_amount');
    expectValidationError(res, 'btc_amount');
  });

  it('refuses malformed JSON with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/api/exchange/create-payment', {
      token,
      rawBody: '{"aitbc_amount": 1000,',
      headers: { 'Content-Type': 'application/json' },
    });
    expectRestError(res, 400, 'BAD_REQUEST');
  });

  it('creates nothing when the request is refused', async () => {
    const user = await loginNewUser(suite.url);
    await createPayment(suite.url, user.token, { aitbc_amount: 1000, btc_amount: 0.02 });
    await createPayment(suite.url, user.token, { aitbc_amount: 1, btc_amount: 0.00001 });
    expect((await history(suite.url, user)).total).toBe(0);
    const payments = await suite.db('payments').where('user_id', user.userId).count({ n: '*' }).first();
    expect(Number(payments!.n)).toBe(0);
  });

  it('works over tRPC too', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/trpc/exchange.createPayment', { token, body: { aitbc_amount: '1000', btc_amount: '0.01' } });
    expect(res.status).toBe(200);
    expect(res.body.result.data).toMatchObject({ user_id: userId, status: 'pending', aitbc_amount_exact: '1000.00000000' });
  });
});
