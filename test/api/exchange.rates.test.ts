import { describe, expect, it } from 'vitest';
import { trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import { EXCHANGE_ENV } from './exchange.support.js';

describe.each(dialects)('GET /api/exchange/rates on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);

  it('returns the documented default terms without a session', async () => {
    const res = await api(suite.url, 'GET', '/api/exchange/rates');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ btc_to_aitbc: 100000, aitbc_to_btc: 0.00001, fee_percent: 0.5, min_btc: 0.0001, max_btc: 10 });
  });

  it('also gives every term as an exact decimal string', async () => {
    const res = await api(suite.url, 'GET', '/api/exchange/rates');
    expect(res.body).toMatchObject({
      btc_to_aitbc_exact: '100000',
      aitbc_to_btc_exact: '0.00001',
      fee_percent_exact: '0.5',
      min_btc_exact: '0.00010000',
      max_btc_exact: '10.00000000',
      required_confirmations: 3,
      payment_timeout_seconds: 3600,
      simulation_enabled: true,
    });
  });

  it('is served over tRPC with the same body', async () => {
    const res = await api(suite.url, 'GET', '/trpc/exchange.rates');
    expect(res.status).toBe(200);
    expect(res.body.result.data).toMatchObject({ btc_to_aitbc: 100000, fee_percent: 0.5 });
    expect(trpcErrorCode(res.body)).toBeUndefined();
  });

  it('is listed in the OpenAPI document with the other exchange paths', async () => {
    const res = await api(suite.url, 'GET', '/api/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/exchange/rates',
        '/exchange/create-payment',
        '/exchange/payment-status/{payment_id}',
        '/exchange/confirm-payment/{payment_id}',
        '/exchange/simulate-payment/{payment_id}',
      ]),
    );
  });
});

describe.each(dialects)('configured exchange terms on %s', (dialect) => {
  const suite = useApiServer(dialect, {
    ...EXCHANGE_ENV,
    EXCHANGE_BTC_TO_AITBC: '3',
    EXCHANGE_FEE_PERCENT: '1.25',
    EXCHANGE_MIN_BTC: '0.5',
    EXCHANGE_MAX_BTC: '2',
    PAYMENT_REQUIRED_CONFIRMATIONS: '6',
    PAYMENT_TIMEOUT_SECONDS: '900',
  });

  it('returns the configured rate, fee, limits, confirmations and timeout', async () => {
    const res = await api(suite.url, 'GET', '/api/exchange/rates');
    expect(res.body).toMatchObject({
      btc_to_aitbc: 3,
      aitbc_to_btc: 0.33333333,
      aitbc_to_btc_exact: '0.33333333',
      fee_percent: 1.25,
      min_btc: 0.5,
      max_btc: 2,
      required_confirmations: 6,
      payment_timeout_seconds: 900,
    });
  });
});
