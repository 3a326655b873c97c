import { describe, expect, it } from 'vitest';
import { DB_TIME, expectRestError, sha256Hex, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

describe.each(dialects)('POST /api/users/logout on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('answers 200 {"message":"Logged out successfully"}', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/api/users/logout', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Logged out successfully' });
  });

  it('refuses the token with 401 from then on', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', '/api/users/logout', { token });
    expectRestError(await api(suite.url, 'GET', '/api/users/me', { token }), 401, 'UNAUTHORIZED');
    expectRestError(await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token }), 401, 'UNAUTHORIZED');
  });

  it('refuses the logged-out token over tRPC too', async () => {
    const { token } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', '/api/users/logout', { token });
    const res = await api(suite.url, 'GET', '/trpc/users.me', { token });
    expect(res.status).toBe(401);
    expect(trpcErrorCode(res.body)).toBe('UNAUTHORIZED');
  });

  it('works with an empty body and no Content-Type', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await fetch(`${suite.url}/api/users/logout`, { method: 'POST', headers: { 'X-Session-Token': token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Logged out successfully' });
  });

  it('works with an empty body sent as application/json', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/api/users/logout', { token, rawBody: '', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
  });

  it('works with an empty JSON object as body', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/api/users/logout', { token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Logged out successfully' });
  });

  it('answers 401 without a token', async () => {
    const res = await api(suite.url, 'POST', '/api/users/logout');
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 for an unknown token', async () => {
    const res = await api(suite.url, 'POST', '/api/users/logout', { token: 'B'.repeat(43) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers 401 when the same token logs out twice', async () => {
    const { token } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', '/api/users/logout', { token });
    const again = await api(suite.url, 'POST', '/api/users/logout', { token });
    expectRestError(again, 401, 'UNAUTHORIZED');
  });

  it('ends only the session it was called with', async () => {
    const first = await loginNewUser(suite.url);
    const second = await loginNewUser(suite.url, first.address);
    await api(suite.url, 'POST', '/api/users/logout', { token: first.token });
    const res = await api(suite.url, 'GET', '/api/users/me', { token: second.token });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(first.userId);
  });

  it('marks the session row as revoked in the database', async () => {
    const { token } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', '/api/users/logout', { token });
    const row = await suite.db('sessions').where({ token_hash: sha256Hex(token) }).first('revoked_at');
    expect(String(row.revoked_at)).toMatch(DB_TIME);
  });

  it('logs out over tRPC', async () => {
    const { token } = await loginNewUser(suite.url);
    // What @trpc/client sends for a mutation without input: a JSON content type and no body.
    const res = await api(suite.url, 'POST', '/trpc/users.logout', { token, rawBody: '', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.body.result.data).toEqual({ message: 'Logged out successfully' });
    expect((await api(suite.url, 'GET', '/api/users/me', { token })).status).toBe(401);
  });
});
