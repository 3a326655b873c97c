import { describe, expect, it } from 'vitest';
import { expectRestError, expectValidationError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, buy } from './exchange.support.js';

describe.each(dialects)('GET /api/exchange/payment-status/{payment_id} on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);
  const status = (paymentId: string, token?: string) => api(suite.url, 'GET', `/api/exchange/payment-status/${paymentId}`, { token });

  it('returns the owner\'s payment as created', async () => {
    const { token } = await loginNewUser(suite.url);
    const payment = await buy(suite.url, token, '1000');
    const res = await status(payment.payment_id, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(payment);
  });

  it('accepts the payment id in upper case', async () => {
    const { token } = await loginNewUser(suite.url);
    const payment = await buy(suite.url, token, '1000');
    const res = await status(payment.payment_id.toUpperCase(), token);
    expect(res.status).toBe(200);
    expect(res.body.payment_id).toBe(payment.payment_id);
  });

  it('refuses another user\'s payment with 403', async () => {
    const owner = await loginNewUser(suite.url);
    const other = await loginNewUser(suite.url);
    const payment = await buy(suite.url, owner.token, '1000');
    const res = await status(payment.payment_id, other.token);
    expectRestError(res, 403, 'FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain(payment.btc_amount_exact);
  });

  it('answers 404 for an unknown payment id', async () => {
    const { token } = await loginNewUser(suite.url);
    expectRestError(await status('00000000-0000-4000-8000-000000000000', token), 404, 'NOT_FOUND');
  });

  it.each(['not-a-uuid', '1234', '00000000-0000-4000-8000-00000000000g', "1' OR '1'='1"])('refuses the malformed id %j with 400', async (id) => {
    const { token } = await loginNewUser(suite.url);
    expectValidationError(await status(encodeURIComponent(id), token), 'payment_id');
  });

  it('requires a session', async () => {
    const { token } = await loginNewUser(suite.url);
    const payment = await buy(suite.url, token, '1000');
    expectRestError(await status(payment.payment_id), 401, 'UNAUTHORIZED');
  });

  it('is served over tRPC with the same isolation', async () => {
    const owner = await loginNewUser(suite.url);
    const other = await loginNewUser(suite.url);
    const payment = await buy(suite.url, owner.token, '1000');
    const input = encodeURIComponent(JSON.stringify({ payment_id: payment.payment_id }));
    const mine = await api(suite.url, 'GET', `/trpc/exchange.paymentStatus?input=${input}`, { token: owner.token });
    expect(mine.body.result.data).toEqual(payment);
    const theirs = await api(suite.url, 'GET', `/trpc/exchange.paymentStatus?input=${input}`, { token: other.token });
    expect(theirs.status).toBe(403);
    expect(trpcErrorCode(theirs.body)).toBe('FORBIDDEN');
  });
});
