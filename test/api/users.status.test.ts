import { describe, expect, it } from 'vitest';
import { expectRestError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

describe.each(dialects)('suspended and inactive accounts on %s', (dialect) => {
  const suite = useApiServer(dialect);
  const setStatus = (userId: string, status: string) => suite.db('users').where({ id: userId }).update({ status });
  const sessionCount = async (userId: string) =>
    Number((await suite.db('sessions').where({ user_id: userId }).count({ n: '*' }).first())!.n);

  it.each(['suspended', 'inactive'])('refuses login to a %s account with 403 FORBIDDEN', async (status) => {
    const { userId, address } = await loginNewUser(suite.url);
    await setStatus(userId, status);
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expectRestError(res, 403, 'FORBIDDEN');
    expect(res.body).not.toHaveProperty('session_token');
  });

  it.each(['suspended', 'inactive'])('creates no session row when a %s account tries to log in', async (status) => {
    const { userId, address } = await loginNewUser(suite.url);
    await setStatus(userId, status);
    const before = await sessionCount(userId);
    await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(await sessionCount(userId)).toBe(before);
  });

  it.each(['suspended', 'inactive'])('refuses an existing session of a %s account with 403', async (status) => {
    const { token, userId } = await loginNewUser(suite.url);
    await setStatus(userId, status);
    expectRestError(await api(suite.url, 'GET', '/api/users/me', { token }), 403, 'FORBIDDEN');
    expectRestError(await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token }), 403, 'FORBIDDEN');
    expectRestError(await api(suite.url, 'GET', `/api/users/${userId}/transactions`, { token }), 403, 'FORBIDDEN');
  });

  it('refuses the faucet to a suspended account and credits nothing', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await setStatus(userId, 'suspended');
    const res = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 5 } });
    expectRestError(res, 403, 'FORBIDDEN');
    const wallet = await suite.db('wallets').where({ user_id: userId }).first('balance');
    expect(String(wallet.balance)).toBe('0.00000000');
  });

  it('refuses an existing session of a suspended account over tRPC with FORBIDDEN', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await setStatus(userId, 'suspended');
    const res = await api(suite.url, 'GET', '/trpc/users.me', { token });
    expect(res.status).toBe(403);
    expect(trpcErrorCode(res.body)).toBe('FORBIDDEN');
  });

  it('accepts the existing session again once the account is active again', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await setStatus(userId, 'suspended');
    await setStatus(userId, 'active');
    const res = await api(suite.url, 'GET', '/api/users/me', { token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('active');
  });
});
