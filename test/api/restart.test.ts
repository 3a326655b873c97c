import { describe, expect, it } from 'vitest';
import { NO_SIGNIN_LIMITS, expectRestError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { startTestServer } from '../support/server.js';

/** Resolves with how long `promise` took, or rejects if it takes longer than `ms`. */
async function within<T>(ms: number, promise: Promise<T>): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - started;
}

describe.each(dialects)('server restart on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('keeps sessions, balances and history across a restart on the same database', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '0.1' } });
    const oldUrl = suite.url;
    await suite.restart();
    expect(suite.url).not.toBe(oldUrl);
    const me = await api(suite.url, 'GET', '/api/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(userId);
    const balance = await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token });
    expect(balance.body.balance_exact).toBe('0.10000000');
    const history = await api(suite.url, 'GET', `/api/users/${userId}/transactions`, { token });
    expect(history.body.total).toBe(1);
  });

  it('keeps a logged-out token dead after a restart', async () => {
    const { token } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', '/api/users/logout', { token });
    await suite.restart();
    expectRestError(await api(suite.url, 'GET', '/api/users/me', { token }), 401, 'UNAUTHORIZED');
  });

  it('logs a returning wallet into its existing account after a restart', async () => {
    const { userId, address } = await loginNewUser(suite.url);
    await suite.restart();
    const again = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(again.body).toMatchObject({ user_id: userId, is_new_user: false });
  });

  it('stops answering on the old address once stopped', async () => {
    const oldUrl = suite.url;
    await suite.restart();
    await expect(fetch(`${oldUrl}/healthz`)).rejects.toThrow();
  });

  it('accepts a session issued by another server running on the same database', async () => {
    const other = await startTestServer(suite.database.url, NO_SIGNIN_LIMITS);
    try {
      const { token, userId } = await loginNewUser(other.url);
      const me = await api(suite.url, 'GET', '/api/users/me', { token });
      expect(me.body.user_id).toBe(userId);
      await api(suite.url, 'POST', '/api/users/logout', { token });
      expectRestError(await api(other.url, 'GET', '/api/users/me', { token }), 401, 'UNAUTHORIZED');
    } finally {
      await other.stop();
    }
  });

  it('stops promptly after serving a keep-alive client', async () => {
    const server = await startTestServer(suite.database.url, NO_SIGNIN_LIMITS);
    const res = await fetch(`${server.url}/api/docs/swagger-ui-bundle.js`);
    await res.arrayBuffer();
    await expect(within(3000, server.stop())).resolves.toBeLessThan(3000);
  });

  it('finishes a response that is in flight when it stops', async () => {
    const server = await startTestServer(suite.database.url, NO_SIGNIN_LIMITS);
    const res = await fetch(`${server.url}/api/docs/swagger-ui-bundle.js`);
    const stopping = server.stop();
    const body = await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(body.byteLength).toBe(Number(res.headers.get('content-length')));
    await expect(within(3000, stopping)).resolves.toBeLessThan(3000);
  });
});
