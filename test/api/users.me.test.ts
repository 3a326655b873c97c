import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, expectRestError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

const ME_FIELDS = ['created_at', 'email', 'last_login', 'status', 'user_id', 'username', 'wallet_address'];

describe.each(dialects)('GET /api/users/me and token transport on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('returns exactly the contract fields of the signed-in user', async () => {
    const { token, login } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/api/users/me', { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(ME_FIELDS);
    expect(res.body).toEqual({
      user_id: login.user_id,
      email: login.email,
      username: login.username,
      status: 'active',
      created_at: login.created_at,
      last_login: expect.stringMatching(ISO_MS_Z),
      wallet_address: login.wallet_address,
    });
  });

  it('accepts the token in the X-Session-Token header over REST', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/api/users/me', { headers: { 'X-Session-Token': token } });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(userId);
  });

  it('accepts the token as Authorization: Bearer over REST', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/api/users/me', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(userId);
  });

  it('accepts the token in the X-Session-Token header over tRPC', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/trpc/users.me', { headers: { 'X-Session-Token': token } });
    expect(res.status).toBe(200);
    expect(res.body.result.data.user_id).toBe(userId);
  });

  it('accepts the token as Authorization: Bearer over tRPC', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/trpc/users.me', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.body.result.data.user_id).toBe(userId);
  });

  it('ignores a token in the REST query string', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/me?token=${token}&session_token=${token}&X-Session-Token=${token}`);
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('ignores a token in the tRPC query string', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/trpc/users.me?token=${token}&session_token=${token}`);
    expect(res.status).toBe(401);
    expect(trpcErrorCode(res.body)).toBe('UNAUTHORIZED');
  });

  it('answers 401 UNAUTHORIZED without a token', async () => {
    const res = await api(suite.url, 'GET', '/api/users/me');
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 UNAUTHORIZED for a well-formed token nobody was issued', async () => {
    const res = await api(suite.url, 'GET', '/api/users/me', { token: 'A'.repeat(43) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 UNAUTHORIZED for a malformed token', async () => {
    const res = await api(suite.url, 'GET', '/api/users/me', { token: 'not a token; DROP TABLE sessions' });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 UNAUTHORIZED for the token hash presented as a token', async () => {
    const { userId } = await loginNewUser(suite.url);
    const row = await suite.db('sessions').where({ user_id: userId }).first('token_hash');
    const res = await api(suite.url, 'GET', '/api/users/me', { token: row.token_hash });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 for an Authorization header with another scheme', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/api/users/me', { headers: { Authorization: `Basic ${token}` } });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 over tRPC without a token', async () => {
    const res = await api(suite.url, 'GET', '/trpc/users.me');
    expect(res.status).toBe(401);
    expect(trpcErrorCode(res.body)).toBe('UNAUTHORIZED');
  });

  it('tells each user about themselves only', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    const [a, b] = await Promise.all([
      api(suite.url, 'GET', '/api/users/me', { token: alice.token }),
      api(suite.url, 'GET', '/api/users/me', { token: bob.token }),
    ]);
    expect(a.body.user_id).toBe(alice.userId);
    expect(b.body.user_id).toBe(bob.userId);
    expect(a.body.wallet_address).toBe(alice.address);
    expect(b.body.wallet_address).toBe(bob.address);
  });

  it('marks the account data as not cacheable', async () => {
    const { token } = await loginNewUser(suite.url);
    const rest = await api(suite.url, 'GET', '/api/users/me', { token });
    const trpc = await api(suite.url, 'GET', '/trpc/users.me', { token });
    expect(rest.headers.get('cache-control')).toMatch(/no-store/);
    expect(trpc.headers.get('cache-control')).toMatch(/no-store/);
  });
});
