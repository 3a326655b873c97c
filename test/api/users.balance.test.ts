import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, NIL_USER_ID, expectRestError, expectValidationError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

describe.each(dialects)('GET /api/users/{user_id}/balance on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('returns the balance shape with a zero balance for a new user', async () => {
    const { token, userId, address } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['address', 'balance', 'balance_exact', 'updated_at', 'user_id']);
    expect(res.body).toEqual({
      user_id: userId,
      address,
      balance: 0,
      balance_exact: '0.00000000',
      updated_at: expect.stringMatching(ISO_MS_Z),
    });
  });

  it('reflects a credit as a number and as an exact 8-decimal string', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '12.5' } });
    const res = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(res.body.balance).toBe(12.5);
    expect(res.body.balance_exact).toBe('12.50000000');
  });

  it('accepts the caller\'s own user_id in upper case', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${userId.toUpperCase()}/balance`, { token });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(userId);
  });

  it('refuses another user\'s balance with 403', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${bob.userId}/balance`, { token: alice.token });
    expectRestError(res, 403, 'FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain(bob.address);
  });

  it('refuses a user_id that does not exist with 403, like another user\'s', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${NIL_USER_ID}/balance`, { token });
    expectRestError(res, 403, 'FORBIDDEN');
  });

  it.each(['not-a-uuid', '12345', '00000000-0000-4000-8000-00000000000g', '00000000000040008000000000000000'])(
    'rejects the malformed user_id %s with 400',
    async (badId) => {
      const { token } = await loginNewUser(suite.url);
      const res = await api(suite.url, 'GET', `/api/users/${badId}/balance`, { token });
      expectValidationError(res, 'user_id');
    },
  );

  it('answers 401 without a token', async () => {
    const { userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${userId}/balance`);
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('serves the same balance over tRPC', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const input = encodeURIComponent(JSON.stringify({ user_id: userId }));
    const res = await api(suite.url, 'GET', `/trpc/users.balance?input=${input}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.result.data).toMatchObject({ user_id: userId, balance: 0, balance_exact: '0.00000000' });
  });

  it('refuses another user\'s balance over tRPC with FORBIDDEN', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    const input = encodeURIComponent(JSON.stringify({ user_id: bob.userId }));
    const res = await api(suite.url, 'GET', `/trpc/users.balance?input=${input}`, { token: alice.token });
    expect(res.status).toBe(403);
    expect(trpcErrorCode(res.body)).toBe('FORBIDDEN');
  });

  it('marks the balance as not cacheable', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });
});
