import { beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { EXCHANGE_ENV, PRODUCTION_ENV, balanceExact, buy, confirm, history, webhook } from './exchange.support.js';

describe.each(dialects)('POST /api/exchange/simulate-payment/{payment_id} in demo mode on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);
  const simulate = (paymentId: string, token?: string) => api(suite.url, 'POST', `/api/exchange/simulate-payment/${paymentId}`, { token });

  it('plays a fake transaction and its confirmation, crediting the wallet', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    const res = await simulate(payment.payment_id, user.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'confirmed', confirmations: payment.required_confirmations, fee_exact: '5.00000000' });
    expect(res.body.tx_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await balanceExact(suite.url, user)).toBe('995.00000000');
    expect((await history(suite.url, user)).transactions[0]).toMatchObject({ type: 'purchase', status: 'completed', fee_exact: '5.00000000' });
  });

  it('is idempotent: simulating a confirmed payment changes nothing', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    const first = await simulate(payment.payment_id, user.token);
    const second = await simulate(payment.payment_id, user.token);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await balanceExact(suite.url, user)).toBe('995.00000000');
  });

  it('leaves a payment confirmed by the real webhook unchanged', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    const confirmed = await confirm(suite.url, payment);
    const res = await simulate(payment.payment_id, user.token);
    expect(res.body).toEqual(confirmed);
    expect(await balanceExact(suite.url, user)).toBe('995.00000000');
  });

  it('keeps a transaction the processor already reported', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '1000');
    await webhook(suite.url, payment.payment_id, { tx_hash: 'seen-in-mempool-1', confirmations: 1 });
    const res = await simulate(payment.payment_id, user.token);
    expect(res.body).toMatchObject({ status: 'confirmed', tx_hash: 'seen-in-mempool-1' });
  });

  it('refuses another user\'s payment with 403 and credits nothing', async () => {
    const owner = await loginNewUser(suite.url);
    const other = await loginNewUser(suite.url);
    const payment = await buy(suite.url, owner.token, '1000');
    expectRestError(await simulate(payment.payment_id, other.token), 403, 'FORBIDDEN');
    expect(await balanceExact(suite.url, owner)).toBe('0.00000000');
    expect(await balanceExact(suite.url, other)).toBe('0.00000000');
  });

  it('answers 404 for an unknown payment and 400 for a malformed id', async () => {
    const { token } = await loginNewUser(suite.url);
    expectRestError(await simulate('00000000-0000-4000-8000-000000000000', token), 404, 'NOT_FOUND');
    expectRestError(await simulate('nope', token), 400, 'BAD_REQUEST');
  });

  it('requires a session', async () => {
    const { token } = await loginNewUser(suite.url);
    const payment = await buy(suite.url, token, '1000');
    expectRestError(await simulate(payment.payment_id), 401, 'UNAUTHORIZED');
  });
});

describe.each(dialects)('simulate-payment in production mode on %s', (dialect) => {
  // Signed login is not what these tests are about: the users sign in (address-only) in demo
  // mode, then the server restarts on the same database with DEMO_MODE=false.
  const suite = useApiServer(dialect, EXCHANGE_ENV);
  let owner: Awaited<ReturnType<typeof loginNewUser>>;
  let pending: Awaited<ReturnType<typeof buy>>;

  beforeAll(async () => {
    owner = await loginNewUser(suite.url);
    pending = await buy(suite.url, owner.token, '1000');
    await suite.restart(PRODUCTION_ENV);
  });

  it('is refused with 403 and credits nothing', async () => {
    const res = await api(suite.url, 'POST', `/api/exchange/simulate-payment/${pending.payment_id}`, { token: owner.token });
    expectRestError(res, 403, 'FORBIDDEN');
    expect(res.body.message).toMatch(/demo mode/);
    expect(await balanceExact(suite.url, owner)).toBe('0.00000000');
    const status = await api(suite.url, 'GET', `/api/exchange/payment-status/${pending.payment_id}`, { token: owner.token });
    expect(status.body).toMatchObject({ status: 'pending', tx_hash: null });
  });

  it('reports simulation_enabled: false in the rates', async () => {
    const res = await api(suite.url, 'GET', '/api/exchange/rates');
    expect(res.body.simulation_enabled).toBe(false);
  });

  it('asks buyers to pay the configured BTC_PAYMENT_ADDRESS', async () => {
    const payment = await buy(suite.url, owner.token, '1000');
    expect(payment.payment_address).toBe(PRODUCTION_ENV.BTC_PAYMENT_ADDRESS);
    expect(payment.payment_uri).toBe(`bitcoin:${PRODUCTION_ENV.BTC_PAYMENT_ADDRESS}?amount=0.01`);
  });

  it('still confirms through the signed webhook with the configured WEBHOOK_SECRET', async () => {
    await confirm(suite.url, pending);
    expect(await balanceExact(suite.url, owner)).toBe('995.00000000');
  });
});
