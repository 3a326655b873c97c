import { describe, expect, it } from 'vitest';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

/**
 * A time that falls on a whole second ('… 10:00:00.000') reads like any other: MySQL's binary
 * protocol (prepared statements) drops a zero fraction, which must not reach the output schemas.
 */
describe.each(dialects)('times on a whole second on %s', (dialect) => {
  const suite = useApiServer(dialect);

  async function userOnWholeSeconds() {
    const user = await loginNewUser(suite.url);
    await suite.db('users').where({ id: user.userId }).update({ created_at: '2026-12-03 10:00:00.000', last_login: '2026-12-03 00:00:00.000' });
    await suite.db('wallets').where({ user_id: user.userId }).update({ updated_at: '2026-12-03 10:00:01.000' });
    return user;
  }

  it('shows them with three millisecond digits in /users/me and the balance (REST and tRPC)', async () => {
    const { token, userId } = await userOnWholeSeconds();
    const me = await api(suite.url, 'GET', '/api/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ created_at: '2026-12-03T10:00:00.000Z', last_login: '2026-12-03T00:00:00.000Z' });
    const balance = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(balance.status).toBe(200);
    expect(balance.body.updated_at).toBe('2026-12-03T10:00:01.000Z');
    const input = encodeURIComponent(JSON.stringify({ user_id: userId }));
    const viaTrpc = await api(suite.url, 'GET', `/trpc/users.balance?input=${input}`, { token });
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.body.result.data.updated_at).toBe('2026-12-03T10:00:01.000Z');
  });

  it('lets the user log in again', async () => {
    const { address, userId } = await userOnWholeSeconds();
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: userId, created_at: '2026-12-03T10:00:00.000Z', is_new_user: false });
  });
});
