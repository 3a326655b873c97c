import { describe, expect, it } from 'vitest';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

// `total` comes from counts the ledger maintains; it must always equal a real count.
describe.each(dialects)('history total kept by the ledger on %s', (dialect) => {
  const suite = useApiServer(dialect, { PAYMENT_TIMEOUT_SECONDS: '1' });

  async function expectTotalsMatchRows(userId: string, token: string) {
    for (const filter of ['', 'type=deposit', 'type=purchase', 'status=pending', 'status=completed', 'status=failed', 'type=purchase&status=failed']) {
      const page = await api(suite.url, 'GET', `/api/users/${userId}/transactions?limit=1&${filter}`, { token });
      const where: Record<string, string> = { user_id: userId };
      for (const pair of filter.split('&').filter(Boolean)) {
        const [key, value] = pair.split('=');
        where[key] = value;
      }
      const counted = await suite.db('transactions').where(where).count({ n: '*' }).first();
      expect({ filter, total: page.body.total }).toEqual({ filter, total: Number(counted!.n) });
    }
  }

  it('matches a real count after credits, purchases that confirm and purchases that expire', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    for (const amount of [1, 2, 3]) {
      await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount } });
    }
    const buy = () => api(suite.url, 'POST', '/api/exchange/create-payment', { token, body: { aitbc_amount: 1000, btc_amount: 0.01 } });
    const confirmed = await buy();
    expect(confirmed.status).toBe(200);
    expect((await api(suite.url, 'POST', `/api/exchange/simulate-payment/${confirmed.body.payment_id}`, { token })).body.status).toBe('confirmed');
    const expiring = await buy();
    expect(expiring.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await api(suite.url, 'GET', `/api/exchange/payment-status/${expiring.body.payment_id}`, { token })).body.status).toBe('expired');
    await buy();
    await expectTotalsMatchRows(userId, token);
  });
});
