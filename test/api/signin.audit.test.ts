import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/env.js';
import { createServer, type ExchangeServer } from '../../server/http.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { api } from '../support/http.js';
import { SIGNIN_ENV, challengeFor, newAitbcWallet, newEthereumWallet, postLogin, signedLogin, signedLoginOk } from '../support/signin.js';

interface AuditLine {
  msg: string;
  event?: string;
  outcome?: string;
  address?: string;
  ip?: string;
  reason?: string;
  user_id?: string;
  scope?: string;
  [key: string]: unknown;
}

/** A server whose log lines are kept in memory, so the audit trail can be read back. */
function useAuditedServer(dialect: (typeof dialects)[number], env: Record<string, string>) {
  const state: { database?: TestDatabase; exchange?: ExchangeServer; url?: string; raw: string[] } = { raw: [] };
  beforeAll(async () => {
    state.database = await createTestDatabase(dialect);
    const config = parseConfig({ PORT: '0', SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '0', ...env, DATABASE_URL: state.database.url, LOG_LEVEL: 'info' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        state.raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    state.exchange = createServer({ config, log: createLogger('info', sink) });
    state.url = await state.exchange.start();
  });
  afterAll(async () => {
    await state.exchange?.stop();
    await state.database?.drop();
  });
  return {
    get url() {
      return state.url!;
    },
    /** Every log line written so far, raw. */
    get raw() {
      return state.raw.join('\n');
    },
    /** Audit lines about one address (or user), in order. */
    audit(filter: (line: AuditLine) => boolean): AuditLine[] {
      return state.raw.map((text) => JSON.parse(text) as AuditLine).filter((line) => line.msg === 'audit' && filter(line));
    },
  };
}

describe.each(dialects)('sign-in audit log on %s', (dialect) => {
  const server = useAuditedServer(dialect, { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_ADDRESS: '3/60' });

  it('writes a successful signed login with the address, IP and outcome', async () => {
    const wallet = newEthereumWallet();
    const { userId } = await signedLoginOk(server.url, wallet);
    const lines = server.audit((l) => l.address === wallet.address);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'login', outcome: 'ok', address: wallet.address, user_id: userId, signed: true });
    expect(lines[0].ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('writes a failed sign-in with the reason', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(server.url, wallet.address);
    await postLogin(server.url, { wallet_address: wallet.address, message, signature: await newAitbcWallet().sign(message) });
    const lines = server.audit((l) => l.address === wallet.address);
    expect(lines).toEqual([expect.objectContaining({ event: 'login', outcome: 'failed', address: wallet.address, reason: expect.stringMatching(/not made by this wallet/) })]);
    expect(lines[0].ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('writes a sign-in refused by the rate limit', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(server.url, wallet.address);
    const forged = await newAitbcWallet().sign(message);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postLogin(server.url, { wallet_address: wallet.address, message, signature: forged })).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(server.audit((l) => l.address === wallet.address).map((l) => l.outcome)).toEqual(['failed', 'failed', 'failed']);
  });

  it('writes logout, ending one session and ending all others', async () => {
    const wallet = newAitbcWallet();
    const a = await signedLoginOk(server.url, wallet);
    const b = await signedLoginOk(server.url, wallet);
    const c = await signedLoginOk(server.url, wallet);
    const sessions = (await api(server.url, 'GET', '/api/users/me/sessions', { token: a.token })).body.sessions;
    const bId = sessions.find((s: { current: boolean }) => !s.current).id;
    await api(server.url, 'DELETE', `/api/users/me/sessions/${bId}`, { token: a.token });
    await api(server.url, 'POST', '/api/users/logout-all', { token: a.token });
    await api(server.url, 'POST', '/api/users/logout', { token: a.token });
    const lines = server.audit((l) => l.event === 'logout' && l.user_id === a.userId);
    expect(lines.map((l) => l.scope ?? 'this')).toEqual(['one', 'others', 'this']);
    for (const line of lines) expect(line.ip).toMatch(/127\.0\.0\.1|::1/);
    expect(c.userId).toBe(a.userId);
    expect(b.userId).toBe(a.userId);
  });

  it('never writes a session token, a token hash or a signature', async () => {
    const wallet = newAitbcWallet();
    const res = await signedLogin(server.url, wallet);
    const { message } = await challengeFor(server.url, wallet.address);
    const signature = await wallet.sign(message);
    await postLogin(server.url, { wallet_address: wallet.address, message, signature: `${signature.slice(0, -2)}05` });
    await api(server.url, 'POST', '/api/users/logout', { token: res.body.session_token });
    expect(server.raw).not.toContain(res.body.session_token);
    expect(server.raw).not.toContain(signature.slice(0, 64));
  });
});

describe.each(dialects)('sign-in audit log under the per-IP limit on %s', (dialect) => {
  const server = useAuditedServer(dialect, { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_IP: '2/60' });

  it('writes a login refused by the per-IP limit as a failed sign-in', async () => {
    const wallets = [newAitbcWallet(), newAitbcWallet(), newAitbcWallet()];
    const statuses = [];
    for (const wallet of wallets) statuses.push((await postLogin(server.url, { wallet_address: wallet.address })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(server.audit((l) => l.address === wallets[2].address)).toEqual([
      expect.objectContaining({ event: 'login', outcome: 'failed', address: wallets[2].address, reason: expect.stringMatching(/too many/i) }),
    ]);
  });
});
