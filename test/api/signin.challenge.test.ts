import { parseSiweMessage } from 'viem/siwe';
import { describe, expect, it } from 'vitest';
import { ISO_MS_Z, expectValidationError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import { startTestServer } from '../support/server.js';
import {
  SIGNIN_ENV,
  TEST_DOMAIN,
  TEST_ORIGIN,
  challengeFor,
  newAitbcWallet,
  newEthereumWallet,
  postLogin,
  requestChallenge,
} from '../support/signin.js';

const CHALLENGE_FIELDS = ['expires_at', 'issued_at', 'message', 'nonce', 'wallet_address'];

describe.each(dialects)('POST /api/users/challenge on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it('returns exactly the contract fields', async () => {
    const wallet = newAitbcWallet();
    const res = await requestChallenge(suite.url, wallet.address);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(CHALLENGE_FIELDS);
    expect(res.body.wallet_address).toBe(wallet.address);
    expect(res.body.issued_at).toMatch(ISO_MS_Z);
    expect(res.body.expires_at).toMatch(ISO_MS_Z);
  });

  it('gives a nonce of at least 128 bits of hex', async () => {
    const { nonce } = await challengeFor(suite.url, newAitbcWallet().address);
    expect(nonce).toMatch(/^[0-9a-f]+$/);
    expect(nonce.length * 4).toBeGreaterThanOrEqual(128);
  });

  it('gives a different nonce on every request, even for one wallet', async () => {
    const wallet = newAitbcWallet();
    const nonces = await Promise.all(Array.from({ length: 40 }, () => challengeFor(suite.url, wallet.address).then((c) => c.nonce)));
    expect(new Set(nonces).size).toBe(40);
  });

  it('lets the challenge live 5 minutes from now', async () => {
    const before = Date.now();
    const { issued_at, expires_at } = await challengeFor(suite.url, newAitbcWallet().address);
    expect(Date.parse(issued_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(issued_at)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(Date.parse(expires_at) - Date.parse(issued_at)).toBe(300_000);
  });

  it('stores the challenge server-side, unused, with the same times', async () => {
    const wallet = newAitbcWallet();
    const challenge = await challengeFor(suite.url, wallet.address);
    const row = await suite.db('sign_in_challenges').where({ nonce: challenge.nonce }).first();
    expect(row).toMatchObject({ wallet_address: wallet.address, message: challenge.message, used_at: null });
    expect(`${String(row.expires_at).replace(' ', 'T')}Z`).toBe(challenge.expires_at);
  });

  it('marks the challenge used after a signed login', async () => {
    const wallet = newAitbcWallet();
    const challenge = await challengeFor(suite.url, wallet.address);
    await postLogin(suite.url, { wallet_address: wallet.address, message: challenge.message, signature: await wallet.sign(challenge.message) });
    const row = await suite.db('sign_in_challenges').where({ nonce: challenge.nonce }).first();
    expect(row.used_at).not.toBeNull();
  });

  it('writes an AITBC message naming the domain, URI, address, nonce and times', async () => {
    const wallet = newAitbcWallet();
    const challenge = await challengeFor(suite.url, wallet.address);
    const lines = challenge.message.split('\n');
    expect(lines[0]).toBe(`${TEST_DOMAIN} wants you to sign in with your AITBC wallet:`);
    expect(lines[1]).toBe(wallet.address);
    expect(lines).toContain(`URI: ${TEST_ORIGIN}`);
    expect(lines).toContain(`Nonce: ${challenge.nonce}`);
    expect(lines).toContain(`Issued At: ${challenge.issued_at}`);
    expect(lines).toContain(`Expiration Time: ${challenge.expires_at}`);
  });

  it('writes an EIP-4361 message for a 0x wallet with domain, URI, chain id, nonce and times', async () => {
    const wallet = newEthereumWallet();
    const challenge = await challengeFor(suite.url, wallet.address);
    expect(challenge.message.split('\n')[0]).toBe(`${TEST_DOMAIN} wants you to sign in with your Ethereum account:`);
    expect(parseSiweMessage(challenge.message)).toMatchObject({
      domain: TEST_DOMAIN,
      address: wallet.checksumAddress,
      uri: TEST_ORIGIN,
      version: '1',
      chainId: 1,
      nonce: challenge.nonce,
      issuedAt: new Date(challenge.issued_at),
      expirationTime: new Date(challenge.expires_at),
    });
  });

  it('normalises an upper-case AITBC address to lowercase in the reply and the message', async () => {
    const wallet = newAitbcWallet();
    const challenge = await challengeFor(suite.url, `  ${wallet.address.toUpperCase()} `);
    expect(challenge.wallet_address).toBe(wallet.address);
    expect(challenge.message.split('\n')[1]).toBe(wallet.address);
  });

  it('answers a checksummed 0x address with the lowercase address and the checksummed form in the message', async () => {
    const wallet = newEthereumWallet();
    const challenge = await challengeFor(suite.url, wallet.checksumAddress);
    expect(challenge.wallet_address).toBe(wallet.address);
    expect(challenge.message.split('\n')[1]).toBe(wallet.checksumAddress);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not an address', 'hello'],
    ['a 0x address with 39 digits', `0x${'a'.repeat(39)}`],
  ])('rejects a wallet address that is %s with 400', async (_what, walletAddress) => {
    const res = await api(suite.url, 'POST', '/api/users/challenge', { body: walletAddress === undefined ? {} : { wallet_address: walletAddress } });
    expectValidationError(res, 'wallet_address');
  });

  it('creates no user or wallet', async () => {
    const wallet = newAitbcWallet();
    await challengeFor(suite.url, wallet.address);
    expect(await suite.db('wallets').where({ address: wallet.address }).first()).toBeUndefined();
  });

  it('is also served over tRPC', async () => {
    const wallet = newEthereumWallet();
    const res = await api(suite.url, 'POST', '/trpc/users.challenge', { body: { wallet_address: wallet.address } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.result.data).sort()).toEqual(CHALLENGE_FIELDS);
  });

  it('is checked by any server process on the same database', async () => {
    const other = await startTestServer(suite.database.url, SIGNIN_ENV);
    try {
      const wallet = newAitbcWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const signature = await wallet.sign(message);
      const res = await postLogin(other.url, { wallet_address: wallet.address, message, signature });
      expect(res.status).toBe(200);
      // ...and used up for every process.
      expect((await postLogin(suite.url, { wallet_address: wallet.address, message, signature })).status).toBe(401);
    } finally {
      await other.stop();
    }
  });
});
