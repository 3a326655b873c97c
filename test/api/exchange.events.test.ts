import { describe, expect, it } from 'vitest';
import { sleep, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { openSse, type SseMessage } from '../support/sse.js';
import { EXCHANGE_ENV, buy, confirm } from './exchange.support.js';

const purchaseEvents = (events: SseMessage[], transactionId: string) =>
  events.filter((e) => e.data.type === 'transaction' && e.data.id === transactionId).map((e) => e.data);

describe.each(dialects)('live events for purchases on %s', (dialect) => {
  const suite = useApiServer(dialect, EXCHANGE_ENV);
  const subscribe = (token: string) => openSse(`${suite.url}/trpc/users.events`, { 'X-Session-Token': token });

  it('streams the pending purchase, then the credit and the completed purchase when the webhook confirms it', async () => {
    const user = await loginNewUser(suite.url);
    const stream = await subscribe(user.token);
    await sleep(100);
    const payment = await buy(suite.url, user.token, '1000');
    await stream.waitFor((events) => purchaseEvents(events, payment.transaction_id).length >= 1, 5000);
    await confirm(suite.url, payment);
    const events = await stream.waitFor((d) => purchaseEvents(d, payment.transaction_id).some((t) => t.status === 'completed'), 5000);
    expect(purchaseEvents(events, payment.transaction_id).map((t) => t.status)).toEqual(['pending', 'completed']);
    expect(purchaseEvents(events, payment.transaction_id)[1]).toMatchObject({ transaction_type: 'purchase', fee_exact: '5.00000000' });
    const balances = events.filter((e) => e.data.type === 'balance').map((e) => e.data.balance_exact);
    expect(balances).toEqual(['995.00000000']);
    stream.close();
  });

  it('streams the credit when the owner simulates the payment', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '10');
    const stream = await subscribe(user.token);
    await sleep(100);
    await api(suite.url, 'POST', `/api/exchange/simulate-payment/${payment.payment_id}`, { token: user.token });
    const events = await stream.waitFor((d) => d.some((e) => e.data.type === 'balance'), 5000);
    expect(events.find((e) => e.data.type === 'balance')!.data.balance_exact).toBe('9.95000000');
    stream.close();
  });
});

describe.each(dialects)('live events for expired purchases on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...EXCHANGE_ENV, PAYMENT_TIMEOUT_SECONDS: '1' });
  const subscribe = (token: string) => openSse(`${suite.url}/trpc/users.events`, { 'X-Session-Token': token });

  it('streams the failed purchase when an expired payment is read', async () => {
    const user = await loginNewUser(suite.url);
    const payment = await buy(suite.url, user.token, '10');
    const stream = await subscribe(user.token);
    try {
      await sleep(1100);
      await api(suite.url, 'GET', `/api/exchange/payment-status/${payment.payment_id}`, { token: user.token });
      const events = await stream.waitFor((d) => purchaseEvents(d, payment.transaction_id).some((t) => t.status === 'failed'), 5000);
      expect(events.filter((e) => e.data.type === 'balance')).toHaveLength(0);
    } finally {
      stream.close();
    }
  });
});
