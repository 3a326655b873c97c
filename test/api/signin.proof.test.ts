import { describe, expect, it } from 'vitest';
import { buildSignInMessage } from '../../server/services/challenges.js';
import { BASE64URL_256_BITS, dbTime, expectRestError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import {
  SIGNIN_ENV,
  TEST_ORIGIN,
  challengeFor,
  newAitbcWallet,
  newEthereumWallet,
  postLogin,
  signedLogin,
  signedLoginOk,
  type TestWallet,
} from '../support/signin.js';

type Family = 'aitbc' | 'ethereum';
const families: [Family, () => TestWallet][] = [
  ['aitbc', () => newAitbcWallet()],
  ['ethereum', () => newEthereumWallet()],
];

/** Junk for each family's signature field: [label, value]. */
function junkSignatures(family: Family): [string, string][] {
  const prefix = family === 'ethereum' ? '0x' : '';
  return [
    ['empty', ''],
    ['a few bytes', `${prefix}abcd`],
    ['64 bytes', `${prefix}${'11'.repeat(64)}`],
    ['66 bytes', `${prefix}${'11'.repeat(66)}`],
    ['65 bytes of non-hex', `${prefix}${'zz'.repeat(65)}`],
    ['65 zero bytes', `${prefix}${'00'.repeat(65)}`],
    ['65 bytes of ff', `${prefix}${'ff'.repeat(65)}`],
    ['10 KB', `${prefix}${'ab'.repeat(5 * 1024)}`],
    ['a JSON-looking string', '{"r":"1","s":"2","v":27}'],
  ];
}

/** The message with its first `from` replaced by `to`; fails loudly if `from` is absent. */
function replaceOnce(message: string, from: string | RegExp, to: string): string {
  const changed = message.replace(from, to);
  if (changed === message) throw new Error(`nothing to replace: ${from}`);
  return changed;
}

describe.each(dialects)('signed login on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  describe.each(families)('with a %s wallet', (family, newWallet) => {
    it('logs in and registers a new wallet with a signed challenge', async () => {
      const wallet = newWallet();
      const res = await signedLogin(suite.url, wallet);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ wallet_address: wallet.address, is_new_user: true });
      expect(res.body.session_token).toMatch(BASE64URL_256_BITS);
      const me = await api(suite.url, 'GET', '/api/users/me', { token: res.body.session_token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user_id: res.body.user_id, wallet_address: wallet.address });
    });

    it('logs the same wallet back into the same account', async () => {
      const wallet = newWallet();
      const first = await signedLoginOk(suite.url, wallet);
      const second = await signedLogin(suite.url, wallet);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ user_id: first.userId, is_new_user: false });
    });

    it('marks the wallet as having proven its key', async () => {
      const wallet = newWallet();
      const before = Date.now();
      await signedLoginOk(suite.url, wallet);
      const row = await suite.db('wallets').where({ address: wallet.address }).first('key_proven_at');
      expect(row.key_proven_at).not.toBeNull();
      expect(Date.parse(`${String(row.key_proven_at).replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(before - 1000);
    });

    it('works through tRPC as well as REST', async () => {
      const wallet = newWallet();
      const challenge = await api(suite.url, 'POST', '/trpc/users.challenge', { body: { wallet_address: wallet.address } });
      expect(challenge.status).toBe(200);
      const { message } = challenge.body.result.data;
      const login = await api(suite.url, 'POST', '/trpc/users.login', {
        body: { wallet_address: wallet.address, message, signature: await wallet.sign(message) },
      });
      expect(login.status).toBe(200);
      expect(login.body.result.data.wallet_address).toBe(wallet.address);
    });

    it('refuses a replay of the same message and signature with 401', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const body = { wallet_address: wallet.address, message, signature: await wallet.sign(message) };
      expect((await postLogin(suite.url, body)).status).toBe(200);
      const replay = await postLogin(suite.url, body);
      expectRestError(replay, 401, 'UNAUTHORIZED');
      expect(replay.body.message).toMatch(/already used/i);
    });

    it('lets exactly one of ten concurrent logins with one nonce in', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const body = { wallet_address: wallet.address, message, signature: await wallet.sign(message) };
      const replies = await Promise.all(Array.from({ length: 10 }, () => postLogin(suite.url, body)));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(401)]);
      const sessions = await suite.db('sessions').where({ user_id: replies.find((r) => r.status === 200)!.body.user_id }).count({ n: '*' }).first();
      expect(Number(sessions!.n)).toBe(1);
    });

    it('lets only one of two identical signed logins in one tRPC batch in', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const input = { wallet_address: wallet.address, message, signature: await wallet.sign(message) };
      const res = await api(suite.url, 'POST', '/trpc/users.login,users.login?batch=1', { body: { 0: input, 1: input } });
      const outcomes = (res.body as { result?: unknown; error?: { data: { code: string } } }[]).map((r) => (r.result ? 'ok' : r.error!.data.code));
      expect(outcomes.sort()).toEqual(['UNAUTHORIZED', 'ok']);
    });

    it('lets concurrent first logins of one new wallet with separate nonces all in, to one account', async () => {
      const wallet = newWallet();
      const challenges = await Promise.all(Array.from({ length: 5 }, () => challengeFor(suite.url, wallet.address)));
      const replies = await Promise.all(
        challenges.map(async ({ message }) => postLogin(suite.url, { wallet_address: wallet.address, message, signature: await wallet.sign(message) })),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(replies.map((r) => r.body.user_id)).size).toBe(1);
      expect(replies.filter((r) => r.body.is_new_user)).toHaveLength(1);
      const checks = await Promise.all(replies.map((r) => api(suite.url, 'GET', '/api/users/me', { token: r.body.session_token })));
      expect(checks.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
    });

    it('refuses a signature by another key with 401 and leaves no session', async () => {
      const wallet = newWallet();
      const impostor = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await impostor.sign(message) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/not made by this wallet/i);
      expect(await suite.db('wallets').where({ address: wallet.address }).first()).toBeUndefined();
    });

    it('keeps the nonce usable after a refused signature, for the real owner', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await newWallet().sign(message) });
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await wallet.sign(message) });
      expect(res.status).toBe(200);
    });

    it.each([
      ['the statement', (m: string) => replaceOnce(m, 'Sign in to the AITBC Exchange.', 'Sign in to the AITBC Exchange!')],
      ['the Issued At time', (m: string) => replaceOnce(m, /Issued At: (\d{4})/, 'Issued At: 2099')],
      ['the Expiration Time', (m: string) => replaceOnce(m, /Expiration Time: (\d{4})/, 'Expiration Time: 2099')],
      ['the nonce', (m: string) => m.replace(/Nonce: ([0-9a-f])/, (_all, c: string) => `Nonce: ${c === 'a' ? 'b' : 'a'}`)],
      ['the URI', (m: string) => replaceOnce(m, `URI: ${TEST_ORIGIN}`, `URI: ${TEST_ORIGIN}/x`)],
      ['a trailing newline', (m: string) => `${m}\n`],
      ['an extra line', (m: string) => `${m}\nRequest ID: 1`],
    ])('refuses a message with %s changed, even when signed as changed', async (_what, tamper) => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const tampered = tamper(message);
      expect(tampered).not.toBe(message);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message: tampered, signature: await wallet.sign(tampered) });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });

    it('refuses a tampered message that carries the signature of the original', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const tampered = replaceOnce(message, 'Sign in to the AITBC Exchange.', 'Sign in to the AITBC Exchange?');
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message: tampered, signature: await wallet.sign(message) });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });

    it('refuses a message issued for another address, signed by that address, sent for this one', async () => {
      const victim = newWallet();
      const attacker = newWallet();
      await signedLoginOk(suite.url, victim);
      const { message } = await challengeFor(suite.url, attacker.address);
      const res = await postLogin(suite.url, { wallet_address: victim.address, message, signature: await attacker.sign(message) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/another wallet address/i);
    });

    it('refuses a challenge issued for address A when the message is rewritten for address B', async () => {
      const a = newWallet();
      const b = newWallet();
      const challenge = await challengeFor(suite.url, a.address);
      const forB = buildSignInMessage({
        domain: new URL(TEST_ORIGIN).host,
        uri: TEST_ORIGIN,
        address: b.address,
        nonce: challenge.nonce,
        issuedAt: new Date(challenge.issued_at),
        expiresAt: new Date(challenge.expires_at),
      });
      const res = await postLogin(suite.url, { wallet_address: b.address, message: forB, signature: await b.sign(forB) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/issued for another wallet address/i);
      // The nonce is still A's to use.
      expect((await postLogin(suite.url, { wallet_address: a.address, message: challenge.message, signature: await a.sign(challenge.message) })).status).toBe(200);
    });

    it('refuses a nonce already used by one address when another address presents it', async () => {
      const a = newWallet();
      const b = newWallet();
      const challenge = await challengeFor(suite.url, a.address);
      expect((await postLogin(suite.url, { wallet_address: a.address, message: challenge.message, signature: await a.sign(challenge.message) })).status).toBe(200);
      const forB = buildSignInMessage({
        domain: new URL(TEST_ORIGIN).host,
        uri: TEST_ORIGIN,
        address: b.address,
        nonce: challenge.nonce,
        issuedAt: new Date(challenge.issued_at),
        expiresAt: new Date(challenge.expires_at),
      });
      const res = await postLogin(suite.url, { wallet_address: b.address, message: forB, signature: await b.sign(forB) });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });

    it('refuses a message built for another domain with the real nonce, naming the domain', async () => {
      const wallet = newWallet();
      const challenge = await challengeFor(suite.url, wallet.address);
      const phishing = buildSignInMessage({
        domain: 'exchange.evil.example',
        uri: 'https://exchange.evil.example',
        address: wallet.address,
        nonce: challenge.nonce,
        issuedAt: new Date(challenge.issued_at),
        expiresAt: new Date(challenge.expires_at),
      });
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message: phishing, signature: await wallet.sign(phishing) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/another domain/i);
    });

    it('refuses a message for this host on another scheme or port', async () => {
      const wallet = newWallet();
      const challenge = await challengeFor(suite.url, wallet.address);
      for (const origin of ['https://localhost:3000', 'http://localhost:3001', 'http://localhost']) {
        const other = buildSignInMessage({
          domain: new URL(origin).host,
          uri: origin,
          address: wallet.address,
          nonce: challenge.nonce,
          issuedAt: new Date(challenge.issued_at),
          expiresAt: new Date(challenge.expires_at),
        });
        const res = await postLogin(suite.url, { wallet_address: wallet.address, message: other, signature: await wallet.sign(other) });
        expect({ origin, status: res.status }).toEqual({ origin, status: 401 });
      }
    });

    it('refuses a nonce the server never issued', async () => {
      const wallet = newWallet();
      const now = new Date();
      const forged = buildSignInMessage({
        domain: new URL(TEST_ORIGIN).host,
        uri: TEST_ORIGIN,
        address: wallet.address,
        nonce: 'f'.repeat(48),
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 300_000),
      });
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message: forged, signature: await wallet.sign(forged) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/unknown nonce/i);
    });

    it('refuses an expired nonce with 401', async () => {
      const wallet = newWallet();
      const challenge = await challengeFor(suite.url, wallet.address);
      await suite.db('sign_in_challenges').where({ nonce: challenge.nonce }).update({ expires_at: dbTime(new Date(Date.now() - 1000)) });
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message: challenge.message, signature: await wallet.sign(challenge.message) });
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/expired/i);
    });

    it.each(junkSignatures(family))('answers a junk signature (%s) with 400 or 401, never 500', async (_what, signature) => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature });
      expect([400, 401]).toContain(res.status);
      expect(['BAD_REQUEST', 'UNAUTHORIZED']).toContain(res.body.code);
      expect(res.body.message.length).toBeGreaterThan(0);
    });

    it.each([
      ['a number', 12345],
      ['null', null],
      ['an array', ['00']],
      ['an object', { r: '1', s: '2', v: 27 }],
    ])('rejects a signature that is %s with 400', async (_what, signature) => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature });
      expectRestError(res, 400, 'BAD_REQUEST');
    });

    it('rejects a signature without a message with 400', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, signature: await wallet.sign(message) });
      expectRestError(res, 400, 'BAD_REQUEST');
    });

    it('rejects a message without a signature with 400', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      const res = await postLogin(suite.url, { wallet_address: wallet.address, message });
      expectRestError(res, 400, 'BAD_REQUEST');
    });

    it('answers junk messages with 400 or 401, never 500', async () => {
      const wallet = newWallet();
      const signature = await wallet.sign('x');
      for (const message of ['', ' ', '\n\n\n', 'Nonce: ', 'garbage', '\u0000'.repeat(100), 'ü'.repeat(4096), 'a'.repeat(10 * 1024)]) {
        const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature });
        expect({ message: message.slice(0, 10), status: [400, 401].includes(res.status) }).toEqual({ message: message.slice(0, 10), status: true });
      }
    });

    it('does not leave a session behind for any refused attempt', async () => {
      const wallet = newWallet();
      const { message } = await challengeFor(suite.url, wallet.address);
      await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await newWallet().sign(message) });
      await postLogin(suite.url, { wallet_address: wallet.address, message: `${message} `, signature: await wallet.sign(`${message} `) });
      expect(await suite.db('wallets').where({ address: wallet.address }).first()).toBeUndefined();
    });
  });
});
