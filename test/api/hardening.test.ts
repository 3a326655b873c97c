import { describe, expect, it } from 'vitest';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

// Findings of an adversarial review, kept as regressions.
describe.each(dialects)('hardening on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('refuses a JSON number with more precision than a double holds instead of rounding it (REST)', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, rawBody: '{"amount":1.00000000000000001}', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toEqual(['amount']);
    const balance = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(balance.body.balance_exact).toBe('0.00000000');
  });

  it('refuses the same over-precise number on the tRPC path', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    const res = await fetch(`${suite.url}/trpc/users.faucet`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Session-Token': token },
      body: `{"user_id":"${userId}","amount":999999.99999999999}`,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.data.code).toBe('BAD_REQUEST');
  });

  it('still takes exact JSON numbers such as 99999999.99999999', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    await suite.db('wallets').where('user_id', userId).update({ balance: '0.00000001' });
    const res = await api(suite.url, 'POST', '/api/exchange/create-payment', { token, rawBody: '{"aitbc_amount":1000,"btc_amount":0.01}', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.body.aitbc_amount_exact).toBe('1000.00000000');
  });

  it.each(['[]', 'null', '123', 'true', '"text"', '[{"amount":1}]'])('refuses a body that is not a JSON object: %s', async (body) => {
    const { userId, token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, rawBody: body, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    const balance = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(balance.body.balance_exact).toBe('0.00000000');
  });

  it('answers HEAD like GET: 401 without a token, 404 for an unknown route, 200 with one', async () => {
    const { token } = await loginNewUser(suite.url);
    expect((await fetch(`${suite.url}/api/users/me`, { method: 'HEAD' })).status).toBe(401);
    expect((await fetch(`${suite.url}/api/nope`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${suite.url}/api/users/me`, { method: 'HEAD', headers: { 'X-Session-Token': token } })).status).toBe(200);
  });

  it('lets a suspended account end its session', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    await suite.db('users').where('id', userId).update({ status: 'suspended' });
    const res = await api(suite.url, 'POST', '/api/users/logout', { token });
    expect(res.status).toBe(200);
    await suite.db('users').where('id', userId).update({ status: 'active' });
    expect((await api(suite.url, 'GET', '/api/users/me', { token })).status).toBe(401);
  });

  it('keeps exactly one session when two devices call logout-all at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const first = await loginNewUser(suite.url);
      const second = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: first.address } });
      const tokens = [first.token, second.body.session_token as string];
      await Promise.all(tokens.map((token) => api(suite.url, 'POST', '/api/users/logout-all', { token })));
      const alive = await Promise.all(tokens.map(async (token) => (await api(suite.url, 'GET', '/api/users/me', { token })).status));
      expect(alive.filter((status) => status === 200)).toHaveLength(1);
    }
  });

  it('answers 401, not an event stream, to a subscription without a live session', async () => {
    const { token } = await loginNewUser(suite.url);
    expect((await fetch(`${suite.url}/trpc/users.events`)).status).toBe(401);
    expect((await fetch(`${suite.url}/trpc/users.events?token=${token}`)).status).toBe(401);
    expect((await fetch(`${suite.url}/trpc/users.events`, { headers: { 'X-Session-Token': 'A'.repeat(43) } })).status).toBe(401);
  });

  it('refuses a tRPC batch of more than 20 calls', async () => {
    const { token } = await loginNewUser(suite.url);
    const paths = Array.from({ length: 21 }, () => 'users.me').join(',');
    const res = await fetch(`${suite.url}/trpc/${paths}?batch=1&input={}`, { headers: { 'X-Session-Token': token } });
    expect(res.status).toBe(400);
    const ok = await fetch(`${suite.url}/trpc/${Array.from({ length: 20 }, () => 'users.me').join(',')}?batch=1&input={}`, { headers: { 'X-Session-Token': token } });
    expect(ok.status).toBe(200);
  });
});
