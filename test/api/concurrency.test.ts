import { describe, expect, it } from 'vitest';
import { NO_SIGNIN_LIMITS, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser, newWalletAddress, type ApiResponse } from '../support/http.js';
import { startTestServer } from '../support/server.js';

describe.each(dialects)('concurrent requests on %s', (dialect) => {
  const suite = useApiServer(dialect);
  const count = async (table: string, where: Record<string, string>) =>
    Number((await suite.db(table).where(where).count({ n: '*' }).first())!.n);

  describe('50 simultaneous first logins of one new wallet', () => {
    const address = newWalletAddress();
    let replies: ApiResponse[] = [];

    it('all succeed with 200', async () => {
      replies = await Promise.all(
        Array.from({ length: 50 }, () => api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    });

    it('create exactly one wallet row and one user row', async () => {
      expect(await count('wallets', { address })).toBe(1);
      const wallet = await suite.db('wallets').where({ address }).first('user_id');
      expect(await count('users', { id: wallet.user_id })).toBe(1);
      expect(await count('users', { username: `user_${address.slice(-8)}` })).toBe(1);
    });

    it('all name the same user', async () => {
      expect(new Set(replies.map((r) => r.body.user_id)).size).toBe(1);
    });

    it('report is_new_user true to exactly one of them', async () => {
      expect(replies.filter((r) => r.body.is_new_user === true)).toHaveLength(1);
    });

    it('hand out 50 distinct tokens, each stored as its own session', async () => {
      const tokens = new Set(replies.map((r) => r.body.session_token));
      expect(tokens.size).toBe(50);
      expect(await count('sessions', { user_id: replies[0].body.user_id })).toBe(50);
    });

    it('hand out 50 tokens that all work for /api/users/me', async () => {
      const checks = await Promise.all(replies.map((r) => api(suite.url, 'GET', '/api/users/me', { token: r.body.session_token })));
      expect(checks.map((c) => c.status)).toEqual(Array(50).fill(200));
      expect(new Set(checks.map((c) => c.body.user_id))).toEqual(new Set([replies[0].body.user_id]));
    });
  });

  it('gives 10 new wallets sharing their last 8 characters 10 distinct usernames when they sign up at once', async () => {
    const tail = `c${Math.random().toString(36).slice(2, 9).padEnd(7, 'k')}`;
    const addresses = Array.from({ length: 10 }, () => `${newWalletAddress()}x${tail}`);
    const replies = await Promise.all(addresses.map((a) => api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: a } })));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    const usernames = replies.map((r) => r.body.username as string);
    expect(new Set(usernames).size).toBe(10);
    expect(usernames.every((u) => u.startsWith(`user_${tail}`))).toBe(true);
    expect(usernames.filter((u) => u === `user_${tail}`)).toHaveLength(1);
  });

  it('sums 20 concurrent faucet credits exactly', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    // 0.01000001, 0.02000002, ... 0.20000020: any lost update shows in the last digits.
    const amounts = Array.from({ length: 20 }, (_, i) => `0.${String((i + 1) * 1000001).padStart(8, '0')}`);
    const replies = await Promise.all(
      amounts.map((amount) => api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount } })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    const balance = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(balance.body.balance_exact).toBe('2.10000210');
    const history = await api(suite.url, 'GET', `/api/users/${userId}/transactions?limit=50`, { token });
    expect(history.body.total).toBe(20);
    expect(history.body.transactions.map((t: { amount_exact: string }) => t.amount_exact).sort()).toEqual([...amounts].sort());
  });

  it('keeps two users\' concurrent faucet credits apart', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const who = i % 2 === 0 ? alice : bob;
        return api(suite.url, 'POST', `/api/users/${who.userId}/faucet`, { token: who.token, body: { amount: i % 2 === 0 ? '1' : '2' } });
      }),
    );
    const [a, b] = await Promise.all([
      api(suite.url, 'GET', `/api/users/${alice.userId}/balance`, { token: alice.token }),
      api(suite.url, 'GET', `/api/users/${bob.userId}/balance`, { token: bob.token }),
    ]);
    expect(a.body.balance_exact).toBe('5.00000000');
    expect(b.body.balance_exact).toBe('10.00000000');
  });

  it('sums faucet credits sent at once to two servers on the same database exactly', async () => {
    const other = await startTestServer(suite.database.url, NO_SIGNIN_LIMITS);
    try {
      const { token, userId } = await loginNewUser(suite.url);
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api(i % 2 === 0 ? suite.url : other.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '0.00000001' } }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      const balance = await api(other.url, 'GET', `/api/users/${userId}/balance`, { token });
      expect(balance.body.balance_exact).toBe('0.00000020');
    } finally {
      await other.stop();
    }
  });

  it('creates one account when first logins of one wallet reach two servers at once', async () => {
    const other = await startTestServer(suite.database.url, NO_SIGNIN_LIMITS);
    try {
      const address = newWalletAddress();
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api(i % 2 === 0 ? suite.url : other.url, 'POST', '/api/users/login', { body: { wallet_address: address } }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(replies.map((r) => r.body.user_id)).size).toBe(1);
      expect(await count('wallets', { address })).toBe(1);
    } finally {
      await other.stop();
    }
  });
});
