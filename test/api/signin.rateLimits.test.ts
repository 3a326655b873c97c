import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRestError, freePort, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import {
  SIGNIN_ENV,
  challengeFor,
  newAitbcWallet,
  newEthereumWallet,
  postLogin,
  requestChallenge,
  signedLoginOk,
} from '../support/signin.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A documentation-range IPv4 address (RFC 5737) no other test uses. */
let ipCounter = 0;
function uniqueIp(): string {
  ipCounter += 1;
  return `198.51.${100 + (ipCounter >> 8)}.${ipCounter & 255}`;
}

function fromIp(ip: string) {
  return { headers: { 'X-Forwarded-For': ip } };
}

/** 429 TOO_MANY_REQUESTS with a whole-seconds Retry-After within the window. */
function expectRateLimited(res: ApiResponse, windowSeconds: number): void {
  expectRestError(res, 429, 'TOO_MANY_REQUESTS');
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
}

describe.each(dialects)('sign-in limit per client IP on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_IP: '5/60', SIGNIN_LIMIT_PER_ADDRESS: '0', TRUST_PROXY: 'true' });

  it('counts challenges and logins from one IP together and answers the sixth with 429 and Retry-After', async () => {
    const ip = fromIp(uniqueIp());
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await requestChallenge(suite.url, newAitbcWallet().address, ip)).status);
    for (let i = 0; i < 2; i++) statuses.push((await postLogin(suite.url, { wallet_address: newAitbcWallet().address }, ip)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expectRateLimited(await postLogin(suite.url, { wallet_address: newAitbcWallet().address }, ip), 60);
    expectRateLimited(await requestChallenge(suite.url, newAitbcWallet().address, ip), 60);
  });

  it('counts successful signed logins against the IP', async () => {
    const ip = fromIp(uniqueIp());
    await signedLoginOk(suite.url, newAitbcWallet(), ip);
    await signedLoginOk(suite.url, newEthereumWallet(), ip);
    await requestChallenge(suite.url, newAitbcWallet().address, ip);
    expectRateLimited(await requestChallenge(suite.url, newAitbcWallet().address, ip), 60);
  });

  it('gives every client IP its own budget when TRUST_PROXY=true', async () => {
    const spent = fromIp(uniqueIp());
    for (let i = 0; i < 5; i++) await requestChallenge(suite.url, newAitbcWallet().address, spent);
    expect((await requestChallenge(suite.url, newAitbcWallet().address, spent)).status).toBe(429);
    expect((await requestChallenge(suite.url, newAitbcWallet().address, fromIp(uniqueIp()))).status).toBe(200);
  });

  it('sets Retry-After on the tRPC reply too', async () => {
    const ip = fromIp(uniqueIp());
    for (let i = 0; i < 5; i++) await requestChallenge(suite.url, newAitbcWallet().address, ip);
    const res = await api(suite.url, 'POST', '/trpc/users.challenge', { ...ip, body: { wallet_address: newAitbcWallet().address } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('does not let a client dodge its budget by sending its own X-Forwarded-For through the proxy', async () => {
    // A proxy appends the address it saw, so only the last entry is the proxy's word; earlier ones are the client's.
    const real = uniqueIp();
    for (let i = 0; i < 5; i++) {
      const res = await requestChallenge(suite.url, newAitbcWallet().address, fromIp(`10.9.${i}.1, ${real}`));
      expect(res.status).toBe(200);
    }
    expectRateLimited(await requestChallenge(suite.url, newAitbcWallet().address, fromIp(`10.9.99.1, ${real}`)), 60);
  });

  it('does not let 100 wallets from one IP get past the limit', async () => {
    const ip = fromIp(uniqueIp());
    const replies = await Promise.all(Array.from({ length: 20 }, () => requestChallenge(suite.url, newAitbcWallet().address, ip)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(15);
  });
});

describe.each(dialects)('sign-in limit per client IP without TRUST_PROXY on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_IP: '3/60', SIGNIN_LIMIT_PER_ADDRESS: '0', TRUST_PROXY: 'false' });

  it('ignores X-Forwarded-For and counts by the connection address', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await requestChallenge(suite.url, newAitbcWallet().address, fromIp(uniqueIp()))).status);
    expect(statuses).toEqual([200, 200, 200]);
    expectRateLimited(await requestChallenge(suite.url, newAitbcWallet().address, fromIp(uniqueIp())), 60);
  });

  it('records the connection address, not X-Forwarded-For, on the session', async () => {
    // The budget is spent above: check the address on a session written directly by a fresh server.
    const other = await startTestServer(suite.database.url, { ...SIGNIN_ENV, TRUST_PROXY: 'false' });
    try {
      const res = await postLogin(other.url, { wallet_address: newAitbcWallet().address }, fromIp('203.0.113.7'));
      const sessions = await api(other.url, 'GET', '/api/users/me/sessions', { token: res.body.session_token });
      expect(sessions.body.sessions[0].ip).not.toBe('203.0.113.7');
      expect(sessions.body.sessions[0].ip).toMatch(/127\.0\.0\.1|::1/);
    } finally {
      await other.stop();
    }
  });
});

describe.each(dialects)('sign-in limit per wallet address on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '3/60' });

  it('answers the fourth challenge for one wallet with 429 and Retry-After', async () => {
    const wallet = newAitbcWallet();
    for (let i = 0; i < 3; i++) expect((await requestChallenge(suite.url, wallet.address)).status).toBe(200);
    expectRateLimited(await requestChallenge(suite.url, wallet.address), 60);
  });

  it('leaves other wallets alone', async () => {
    const wallet = newAitbcWallet();
    for (let i = 0; i < 4; i++) await requestChallenge(suite.url, wallet.address);
    expect((await requestChallenge(suite.url, newAitbcWallet().address)).status).toBe(200);
  });

  it('counts failed signed logins for the wallet', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    for (let i = 0; i < 2; i++) {
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await newAitbcWallet().sign(message) });
      expect(res.status).toBe(401);
    }
    expectRateLimited(await requestChallenge(suite.url, wallet.address), 60);
    expectRateLimited(await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await newAitbcWallet().sign(message) }), 60);
  });

  it('counts refused address-only logins to a claimed wallet', async () => {
    const wallet = newEthereumWallet();
    await signedLoginOk(suite.url, wallet);
    for (let i = 0; i < 2; i++) expect((await postLogin(suite.url, { wallet_address: wallet.address })).status).toBe(401);
    expectRateLimited(await postLogin(suite.url, { wallet_address: wallet.address }), 60);
  });

  it('does not count successful logins', async () => {
    const wallet = newAitbcWallet();
    for (let i = 0; i < 3; i++) await signedLoginOk(suite.url, wallet);
    expectRateLimited(await requestChallenge(suite.url, wallet.address), 60);
  });

  it('counts every letter case of an address as one wallet', async () => {
    const wallet = newAitbcWallet();
    expect((await requestChallenge(suite.url, wallet.address)).status).toBe(200);
    expect((await requestChallenge(suite.url, wallet.address.toUpperCase())).status).toBe(200);
    expect((await requestChallenge(suite.url, ` ${wallet.address} `)).status).toBe(200);
    expect((await requestChallenge(suite.url, wallet.address)).status).toBe(429);
  });

  it('counts the checksummed and lowercase forms of a 0x address as one wallet', async () => {
    const wallet = newEthereumWallet();
    expect((await requestChallenge(suite.url, wallet.checksumAddress)).status).toBe(200);
    expect((await requestChallenge(suite.url, wallet.address)).status).toBe(200);
    expect((await requestChallenge(suite.url, `0x${wallet.address.slice(2).toUpperCase()}`)).status).toBe(200);
    expect((await requestChallenge(suite.url, wallet.checksumAddress)).status).toBe(429);
  });

  it('limits one wallet however many concurrent requests arrive', async () => {
    const wallet = newAitbcWallet();
    const replies = await Promise.all(Array.from({ length: 12 }, () => requestChallenge(suite.url, wallet.address)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
  });
});

describe.each(dialects)('sign-in limits shared through Redis on %s', (dialect) => {
  const env = { ...SIGNIN_ENV, REDIS_URL, SIGNIN_LIMIT_PER_IP: '4/60', SIGNIN_LIMIT_PER_ADDRESS: '3/60', TRUST_PROXY: 'true' };
  const suite = useApiServer(dialect, env);
  let second: RunningServer;
  // Keys live in Redis across runs: every run uses its own IP range.
  const runIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

  beforeAll(async () => {
    second = await startTestServer(suite.database.url, env);
  });
  afterAll(async () => {
    await second?.stop();
  });

  it('gives one wallet one budget across two server processes', async () => {
    const wallet = newAitbcWallet();
    const ip = runIp();
    expect((await requestChallenge(suite.url, wallet.address, fromIp(ip))).status).toBe(200);
    expect((await requestChallenge(second.url, wallet.address, fromIp(runIp()))).status).toBe(200);
    expect((await requestChallenge(suite.url, wallet.address, fromIp(runIp()))).status).toBe(200);
    expectRateLimited(await requestChallenge(second.url, wallet.address, fromIp(runIp())), 60);
    expectRateLimited(await requestChallenge(suite.url, wallet.address, fromIp(runIp())), 60);
  });

  it('gives one client IP one budget across two server processes', async () => {
    const ip = fromIp(runIp());
    const statuses = [];
    for (const url of [suite.url, second.url, suite.url, second.url]) statuses.push((await requestChallenge(url, newAitbcWallet().address, ip)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expectRateLimited(await requestChallenge(suite.url, newAitbcWallet().address, ip), 60);
    expectRateLimited(await requestChallenge(second.url, newAitbcWallet().address, ip), 60);
  });

  it('counts a failed login on one process against a challenge on the other', async () => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.address, fromIp(runIp()));
    const forged = await newEthereumWallet().sign(message);
    expect((await postLogin(second.url, { wallet_address: wallet.address, message, signature: forged }, fromIp(runIp()))).status).toBe(401);
    expect((await postLogin(suite.url, { wallet_address: wallet.address, message, signature: forged }, fromIp(runIp()))).status).toBe(401);
    expectRateLimited(await requestChallenge(second.url, wallet.address, fromIp(runIp())), 60);
  });
});

describe.each(dialects)('sign-in limits without Redis on %s', (dialect) => {
  const env = { ...SIGNIN_ENV, SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '2/60' };
  const suite = useApiServer(dialect, env);

  it('keeps each process its own budget in memory', async () => {
    const second = await startTestServer(suite.database.url, env);
    try {
      const wallet = newAitbcWallet();
      for (let i = 0; i < 2; i++) await requestChallenge(suite.url, wallet.address);
      expect((await requestChallenge(suite.url, wallet.address)).status).toBe(429);
      expect((await requestChallenge(second.url, wallet.address)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('still limits, in memory, when REDIS_URL points at a Redis that is down', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const lonely = await startTestServer(suite.database.url, { ...env, REDIS_URL: deadRedis });
    try {
      const wallet = newAitbcWallet();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await requestChallenge(lonely.url, wallet.address)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await lonely.stop();
    }
  });
});
