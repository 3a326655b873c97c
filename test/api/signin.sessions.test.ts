import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, UUID_LOWER, dbTime, expectRestError, sha256Hex, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import { SIGNIN_ENV, newAitbcWallet, newEthereumWallet, signedLoginOk, type TestWallet } from '../support/signin.js';

const SESSION_FIELDS = ['created_at', 'current', 'expires_at', 'id', 'ip', 'last_used_at', 'user_agent'];
const LOOPBACK = /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/;

interface Device {
  token: string;
  userId: string;
  userAgent: string;
}

/** Logs one wallet in from `count` "devices", each with its own User-Agent, oldest first. */
async function loginFromDevices(baseUrl: string, wallet: TestWallet, count: number): Promise<Device[]> {
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const userAgent = `SigninTest/1.0 (device ${i})`;
    const { token, userId } = await signedLoginOk(baseUrl, wallet, { headers: { 'User-Agent': userAgent } });
    devices.push({ token, userId, userAgent });
  }
  return devices;
}

function listSessions(baseUrl: string, token: string) {
  return api(baseUrl, 'GET', '/api/users/me/sessions', { token });
}

function me(baseUrl: string, token: string) {
  return api(baseUrl, 'GET', '/api/users/me', { token });
}

describe.each(dialects)('GET /api/users/me/sessions on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it('lists every live session of the caller with exactly the contract fields', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 3);
    const res = await listSessions(suite.url, devices[0].token);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['sessions']);
    expect(res.body.sessions).toHaveLength(3);
    for (const session of res.body.sessions) {
      expect(Object.keys(session).sort()).toEqual(SESSION_FIELDS);
      expect(session.id).toMatch(UUID_LOWER);
      expect(session.created_at).toMatch(ISO_MS_Z);
      expect(session.last_used_at).toMatch(ISO_MS_Z);
      expect(session.expires_at).toMatch(ISO_MS_Z);
    }
  });

  it('flags only the session making the request as current', async () => {
    const devices = await loginFromDevices(suite.url, newEthereumWallet(), 3);
    for (const device of devices) {
      const { sessions } = (await listSessions(suite.url, device.token)).body;
      const current = sessions.filter((s: { current: boolean }) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0].user_agent).toBe(device.userAgent);
    }
  });

  it('shows each session\'s user agent and IP, newest first', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 3);
    const { sessions } = (await listSessions(suite.url, devices[0].token)).body;
    expect(sessions.map((s: { user_agent: string }) => s.user_agent)).toEqual(devices.map((d) => d.userAgent).reverse());
    for (const session of sessions) expect(session.ip).toMatch(LOOPBACK);
  });

  it('never shows a token or a token hash', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const res = await listSessions(suite.url, devices[0].token);
    const text = JSON.stringify(res.body);
    for (const device of devices) {
      expect(text).not.toContain(device.token);
      expect(text).not.toContain(sha256Hex(device.token));
    }
    for (const session of res.body.sessions) {
      expect(devices.map((d) => d.token)).not.toContain(session.id);
      expect(session.id).not.toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('does not list another user\'s sessions', async () => {
    const [alice] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const { sessions } = (await listSessions(suite.url, alice.token)).body;
    expect(sessions).toHaveLength(1);
    expect(sessions[0].current).toBe(true);
  });

  it('leaves out logged-out and expired sessions', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 3);
    await api(suite.url, 'POST', '/api/users/logout', { token: devices[1].token });
    const { sessions: before } = (await listSessions(suite.url, devices[0].token)).body;
    const third = before.find((s: { user_agent: string }) => s.user_agent === devices[2].userAgent);
    await suite.db('sessions').where({ id: third.id }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
    const { sessions } = (await listSessions(suite.url, devices[0].token)).body;
    expect(sessions.map((s: { user_agent: string }) => s.user_agent)).toEqual([devices[0].userAgent]);
  });

  it('refuses a request without a token with 401', async () => {
    expectRestError(await api(suite.url, 'GET', '/api/users/me/sessions'), 401, 'UNAUTHORIZED');
  });

  it('accepts Authorization: Bearer as well', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const res = await api(suite.url, 'GET', '/api/users/me/sessions', { headers: { Authorization: `Bearer ${device.token}` } });
    expect(res.status).toBe(200);
    expect(res.body.sessions).toHaveLength(1);
  });

  it('is served over tRPC as users.sessions', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const res = await api(suite.url, 'GET', '/trpc/users.sessions', { token: devices[1].token });
    expect(res.status).toBe(200);
    expect(res.body.result.data.sessions).toHaveLength(2);
  });

  it('does not rewrite last_used_at on every request', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const first = (await listSessions(suite.url, device.token)).body.sessions[0];
    for (let i = 0; i < 3; i++) await me(suite.url, device.token);
    const later = (await listSessions(suite.url, device.token)).body.sessions[0];
    expect(later.last_used_at).toBe(first.last_used_at);
    expect(later.last_used_at).toBe(later.created_at);
  });

  it('moves last_used_at forward when it is more than 5 minutes old', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const id = (await listSessions(suite.url, device.token)).body.sessions[0].id;
    await suite.db('sessions').where({ id }).update({ last_used_at: dbTime(new Date(Date.now() - 6 * 60_000)) });
    const before = Date.now();
    await me(suite.url, device.token);
    const row = await suite.db('sessions').where({ id }).first('last_used_at');
    expect(Date.parse(`${String(row.last_used_at).replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps last_used_at when it is less than 5 minutes old', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const id = (await listSessions(suite.url, device.token)).body.sessions[0].id;
    const fourMinutesAgo = dbTime(new Date(Date.now() - 4 * 60_000));
    await suite.db('sessions').where({ id }).update({ last_used_at: fourMinutesAgo });
    await me(suite.url, device.token);
    const row = await suite.db('sessions').where({ id }).first('last_used_at');
    expect(String(row.last_used_at)).toBe(fourMinutesAgo);
  });
});

describe.each(dialects)('DELETE /api/users/me/sessions/{id} on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  async function sessionIdOf(token: string, userAgent: string): Promise<string> {
    const { sessions } = (await listSessions(suite.url, token)).body;
    return sessions.find((s: { user_agent: string }) => s.user_agent === userAgent).id;
  }

  it('ends another session of the caller, whose token is refused at once', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const res = await api(suite.url, 'DELETE', `/api/users/me/sessions/${await sessionIdOf(laptop.token, phone.userAgent)}`, { token: laptop.token });
    expect(res.status).toBe(200);
    expectRestError(await me(suite.url, phone.token), 401, 'UNAUTHORIZED');
    expect((await me(suite.url, laptop.token)).status).toBe(200);
    const { sessions } = (await listSessions(suite.url, laptop.token)).body;
    expect(sessions.map((s: { user_agent: string }) => s.user_agent)).toEqual([laptop.userAgent]);
  });

  it('refuses the revoked token for every kind of request, REST and tRPC', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newEthereumWallet(), 2);
    await api(suite.url, 'DELETE', `/api/users/me/sessions/${await sessionIdOf(laptop.token, phone.userAgent)}`, { token: laptop.token });
    expect((await listSessions(suite.url, phone.token)).status).toBe(401);
    expect((await api(suite.url, 'GET', `/api/users/${phone.userId}/balance`, { token: phone.token })).status).toBe(401);
    expect((await api(suite.url, 'POST', '/api/users/logout-all', { token: phone.token })).status).toBe(401);
    const trpc = await api(suite.url, 'GET', '/trpc/users.me', { token: phone.token });
    expect(trpcErrorCode(trpc.body)).toBe('UNAUTHORIZED');
  });

  it('can end the current session', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const res = await api(suite.url, 'DELETE', `/api/users/me/sessions/${await sessionIdOf(device.token, device.userAgent)}`, { token: device.token });
    expect(res.status).toBe(200);
    expectRestError(await me(suite.url, device.token), 401, 'UNAUTHORIZED');
  });

  it('answers another user\'s session id with 404 and leaves that session alive', async () => {
    const [alice] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const [bob] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const bobsId = await sessionIdOf(bob.token, bob.userAgent);
    expectRestError(await api(suite.url, 'DELETE', `/api/users/me/sessions/${bobsId}`, { token: alice.token }), 404, 'NOT_FOUND');
    expect((await me(suite.url, bob.token)).status).toBe(200);
  });

  it('answers an unknown session id with 404', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const res = await api(suite.url, 'DELETE', '/api/users/me/sessions/3f1c2a9e-8b7d-4c1e-9f0a-2b3c4d5e6f70', { token: device.token });
    expectRestError(res, 404, 'NOT_FOUND');
  });

  it('answers an already ended session with 404', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const id = await sessionIdOf(laptop.token, phone.userAgent);
    await api(suite.url, 'DELETE', `/api/users/me/sessions/${id}`, { token: laptop.token });
    expectRestError(await api(suite.url, 'DELETE', `/api/users/me/sessions/${id}`, { token: laptop.token }), 404, 'NOT_FOUND');
  });

  it('answers an expired session of the caller with 404', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const id = await sessionIdOf(laptop.token, phone.userAgent);
    await suite.db('sessions').where({ id }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
    expectRestError(await api(suite.url, 'DELETE', `/api/users/me/sessions/${id}`, { token: laptop.token }), 404, 'NOT_FOUND');
  });

  it.each([
    ['not a UUID', 'abc'],
    ['a token-shaped string', 'A'.repeat(43)],
    ['a SHA-256 hex', 'a'.repeat(64)],
    ['a UUID with a bad character', '3f1c2a9e-8b7d-4c1e-9f0a-2b3c4d5e6f7g'],
  ])('answers a malformed session id (%s) with 400', async (_what, id) => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    expectRestError(await api(suite.url, 'DELETE', `/api/users/me/sessions/${id}`, { token: device.token }), 400, 'BAD_REQUEST');
  });

  it('does not accept the session token or its hash in place of the id', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    for (const id of [phone.token, sha256Hex(phone.token)]) {
      const res = await api(suite.url, 'DELETE', `/api/users/me/sessions/${id}`, { token: laptop.token });
      expect(res.status).toBe(400);
    }
    expect((await me(suite.url, phone.token)).status).toBe(200);
  });

  it('refuses a request without a token with 401', async () => {
    expectRestError(await api(suite.url, 'DELETE', '/api/users/me/sessions/3f1c2a9e-8b7d-4c1e-9f0a-2b3c4d5e6f70'), 401, 'UNAUTHORIZED');
  });

  it('is served over tRPC as users.revokeSession', async () => {
    const [laptop, phone] = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    const id = await sessionIdOf(laptop.token, phone.userAgent);
    const res = await api(suite.url, 'POST', '/trpc/users.revokeSession', { token: laptop.token, body: { id } });
    expect(res.status).toBe(200);
    expect((await me(suite.url, phone.token)).status).toBe(401);
    const again = await api(suite.url, 'POST', '/trpc/users.revokeSession', { token: laptop.token, body: { id } });
    expect(trpcErrorCode(again.body)).toBe('NOT_FOUND');
  });
});

describe.each(dialects)('POST /api/users/logout-all on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it('ends every other session of the caller and says how many', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 4);
    const res = await api(suite.url, 'POST', '/api/users/logout-all', { token: devices[2].token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 3 });
    for (const [i, device] of devices.entries()) {
      expect({ device: i, status: (await me(suite.url, device.token)).status }).toEqual({ device: i, status: i === 2 ? 200 : 401 });
    }
    const { sessions } = (await listSessions(suite.url, devices[2].token)).body;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ current: true, user_agent: devices[2].userAgent });
  });

  it('answers {revoked: 0} when there is nothing else to end', async () => {
    const [device] = await loginFromDevices(suite.url, newEthereumWallet(), 1);
    expect((await api(suite.url, 'POST', '/api/users/logout-all', { token: device.token })).body).toEqual({ revoked: 0 });
  });

  it('does not count sessions that already ended or expired', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 4);
    await api(suite.url, 'POST', '/api/users/logout', { token: devices[1].token });
    const ids = await suite.db('sessions').where({ user_id: devices[0].userId }).whereNull('revoked_at').pluck('id');
    const { sessions } = (await listSessions(suite.url, devices[0].token)).body;
    const thirdId = sessions.find((s: { user_agent: string }) => s.user_agent === devices[3].userAgent).id;
    expect(ids).toContain(thirdId);
    await suite.db('sessions').where({ id: thirdId }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
    expect((await api(suite.url, 'POST', '/api/users/logout-all', { token: devices[0].token })).body).toEqual({ revoked: 1 });
  });

  it('leaves other users\' sessions alone', async () => {
    const [alice] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const bobs = await loginFromDevices(suite.url, newAitbcWallet(), 2);
    await api(suite.url, 'POST', '/api/users/logout-all', { token: alice.token });
    for (const bob of bobs) expect((await me(suite.url, bob.token)).status).toBe(200);
  });

  it('works with an empty body and no Content-Type', async () => {
    const [device] = await loginFromDevices(suite.url, newAitbcWallet(), 1);
    const res = await fetch(`${suite.url}/api/users/logout-all`, { method: 'POST', headers: { 'X-Session-Token': device.token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 0 });
  });

  it('refuses a request without a token with 401', async () => {
    expectRestError(await api(suite.url, 'POST', '/api/users/logout-all'), 401, 'UNAUTHORIZED');
  });

  it('is served over tRPC as users.logoutAll', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 3);
    // As the tRPC client sends a mutation without input: JSON content type, no body.
    const res = await api(suite.url, 'POST', '/trpc/users.logoutAll', { token: devices[0].token, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.body.result.data).toEqual({ revoked: 2 });
  });

  it('leaves no third session alive when two devices log out all others at once', async () => {
    const devices = await loginFromDevices(suite.url, newAitbcWallet(), 3);
    const replies = await Promise.all(devices.slice(0, 2).map((d) => api(suite.url, 'POST', '/api/users/logout-all', { token: d.token })));
    for (const reply of replies) expect([200, 401]).toContain(reply.status);
    const alive = [];
    for (const device of devices) if ((await me(suite.url, device.token)).status === 200) alive.push(device);
    expect(alive.map((d) => d.userAgent)).not.toContain(devices[2].userAgent);
  });
});
