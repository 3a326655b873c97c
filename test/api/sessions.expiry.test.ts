import { describe, expect, it } from 'vitest';
import { dbTime, expectRestError, sha256Hex, sleep, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

describe.each(dialects)('session lifetime (SESSION_TTL_SECONDS=2) on %s', (dialect) => {
  const suite = useApiServer(dialect, { SESSION_TTL_SECONDS: '2' });

  it('announces an expiry SESSION_TTL_SECONDS after login', async () => {
    const before = Date.now();
    const { login } = await loginNewUser(suite.url);
    const expiresAt = Date.parse(login.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2000 - 50);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2000 + 50);
  });

  it('refuses the token with 401 once its lifetime has passed, although it was used meanwhile', async () => {
    const { token, login } = await loginNewUser(suite.url);
    await sleep(1000);
    expect((await api(suite.url, 'GET', '/api/users/me', { token })).status).toBe(200);
    await sleep(Math.max(0, Date.parse(login.expires_at) - Date.now()) + 150);
    expectRestError(await api(suite.url, 'GET', '/api/users/me', { token }), 401, 'UNAUTHORIZED');
    const trpc = await api(suite.url, 'GET', '/trpc/users.me', { token });
    expect(trpc.status).toBe(401);
    expect(trpcErrorCode(trpc.body)).toBe('UNAUTHORIZED');
  });

  it('refuses logout with an expired token with 401', async () => {
    const { token } = await loginNewUser(suite.url);
    await suite.db('sessions').where({ token_hash: sha256Hex(token) }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
    expectRestError(await api(suite.url, 'POST', '/api/users/logout', { token }), 401, 'UNAUTHORIZED');
  });

  it('gives a fresh session after expiry when the user logs in again', async () => {
    const { token, address, userId } = await loginNewUser(suite.url);
    await suite.db('sessions').where({ token_hash: sha256Hex(token) }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
    const again = await loginNewUser(suite.url, address);
    expect(again.userId).toBe(userId);
    expect((await api(suite.url, 'GET', '/api/users/me', { token: again.token })).status).toBe(200);
  });
});

describe.each(dialects)('session lifetime (default) on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('refuses a session whose stored expiry is in the past', async () => {
    const { token } = await loginNewUser(suite.url);
    await suite.db('sessions').where({ token_hash: sha256Hex(token) }).update({ expires_at: dbTime(new Date(Date.now() - 1)) });
    expectRestError(await api(suite.url, 'GET', '/api/users/me', { token }), 401, 'UNAUTHORIZED');
  });

  it('accepts a session until its stored expiry', async () => {
    const { token } = await loginNewUser(suite.url);
    await suite.db('sessions').where({ token_hash: sha256Hex(token) }).update({ expires_at: dbTime(new Date(Date.now() + 60_000)) });
    expect((await api(suite.url, 'GET', '/api/users/me', { token })).status).toBe(200);
  });
});
