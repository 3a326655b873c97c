import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { newAitbcSecretKey, signAitbcMessage } from '../../shared/wallet/aitbc.js';
import { expectRestError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import { SIGNIN_ENV, challengeFor, newAitbcWallet, newEthereumWallet, postLogin, signedLoginOk } from '../support/signin.js';

const CURVE_ORDER = secp256k1.Point.CURVE().n;

/** s → n − s with the recovery bit flipped: the same key, in high-S form. */
function highSTwin(hexSignature: string, vOffset: number): string {
  const s = BigInt(`0x${hexSignature.slice(64, 128)}`);
  const v = parseInt(hexSignature.slice(128, 130), 16) - vOffset;
  return hexSignature.slice(0, 64) + (CURVE_ORDER - s).toString(16).padStart(64, '0') + ((v ^ 1) + vOffset).toString(16).padStart(2, '0');
}

describe.each(dialects)('AITBC signed login details on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it('accepts the address in upper case, logging into the lowercase wallet', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(suite.url, wallet.address.toUpperCase());
    const res = await postLogin(suite.url, { wallet_address: wallet.address.toUpperCase(), message, signature: await wallet.sign(message) });
    expect(res.status).toBe(200);
    expect(res.body.wallet_address).toBe(wallet.address);
  });

  it('accepts v written as 27/28 through the API', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const signature = await wallet.sign(message);
    const v27 = signature.slice(0, 128) + (parseInt(signature.slice(128), 16) + 27).toString(16);
    expect((await postLogin(suite.url, { wallet_address: wallet.address, message, signature: v27 })).status).toBe(200);
  });

  it('refuses the high-S twin of a valid signature with 401', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: highSTwin(await wallet.sign(message), 0) });
    expectRestError(res, 401, 'UNAUTHORIZED');
    expect(res.body.message).toMatch(/low-S/);
  });

  it('refuses an Ethereum personal_sign signature for an AITBC wallet', async () => {
    const wallet = newAitbcWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const eth = newEthereumWallet(`0x${Buffer.from(wallet.secretKey).toString('hex')}`);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: await eth.sign(message) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('refuses an AITBC address that is not valid bech32 with 401, not 500', async () => {
    const address = 'aitbc1notarealbech32addressatall';
    const { message } = await challengeFor(suite.url, address);
    const res = await postLogin(suite.url, { wallet_address: address, message, signature: await newAitbcWallet().sign(message) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });
});

describe.each(dialects)('Ethereum (SIWE) signed login details on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it('accepts the EIP-55 checksummed address in both requests and stores it lowercase', async () => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.checksumAddress);
    const res = await postLogin(suite.url, { wallet_address: wallet.checksumAddress, message, signature: await wallet.sign(message) });
    expect(res.status).toBe(200);
    expect(res.body.wallet_address).toBe(wallet.address);
    expect(await suite.db('wallets').where({ user_id: res.body.user_id }).select('address')).toEqual([{ address: wallet.address }]);
  });

  it('treats the checksummed, lowercase and upper-case forms as one wallet', async () => {
    const wallet = newEthereumWallet();
    const first = await signedLoginOk(suite.url, wallet);
    const { message } = await challengeFor(suite.url, wallet.address);
    const upper = `0x${wallet.address.slice(2).toUpperCase()}`;
    const res = await postLogin(suite.url, { wallet_address: upper, message, signature: await wallet.sign(message) });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(first.userId);
  });

  it('refuses a message whose address line was rewritten in lowercase', async () => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const lowered = message.replace(wallet.checksumAddress, wallet.address);
    expect(lowered).not.toBe(message);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message: lowered, signature: await wallet.sign(lowered) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it.each([
    ['a Resources list', (m: string) => `${m}\nResources:\n- https://evil.example/drain`],
    ['a Request ID', (m: string) => `${m}\nRequest ID: 42`],
    ['a Not Before time', (m: string) => m.replace('\nIssued At:', '\nNot Before: 2000-01-01T00:00:00.000Z\nIssued At:')],
    ['another chain id', (m: string) => m.replace('Chain ID: 1', 'Chain ID: 137')],
    ['another version', (m: string) => m.replace('Version: 1', 'Version: 2')],
    ['a scheme before the domain', (m: string) => `http://${m}`],
    ['CRLF line endings', (m: string) => m.replace(/\n/g, '\r\n')],
    ['no statement', (m: string) => m.replace('Sign in to the AITBC Exchange.\n\n', '')],
  ])('refuses a SIWE message with %s, even when signed as changed', async (_what, change) => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const changed = change(message);
    expect(changed).not.toBe(message);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message: changed, signature: await wallet.sign(changed) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('refuses a message for another address that carries this address in a later line', async () => {
    const victim = newEthereumWallet();
    const attacker = newEthereumWallet();
    const { message } = await challengeFor(suite.url, attacker.address);
    const smuggled = `${message}\nResources:\n- ${victim.checksumAddress}`;
    const res = await postLogin(suite.url, { wallet_address: victim.address, message: smuggled, signature: await attacker.sign(smuggled) });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('answers a signature without the 0x prefix with 400 or 401', async () => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: (await wallet.sign(message)).slice(2) });
    expect([400, 401]).toContain(res.status);
  });

  it('answers a long smart-wallet style (ERC-6492 wrapped) signature with 400 or 401, without network calls', async () => {
    const wallet = newEthereumWallet();
    const { message } = await challengeFor(suite.url, wallet.address);
    const wrapped = `0x${'00'.repeat(200)}6492649264926492649264926492649264926492649264926492649264926492`;
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: wrapped });
    expect([400, 401]).toContain(res.status);
  });

  it('refuses an AITBC-scheme signature (SHA-256, no EIP-191 prefix) made with the same key', async () => {
    const secretKey = newAitbcSecretKey();
    const wallet = newEthereumWallet(`0x${bytesToHex(secretKey)}`);
    const { message } = await challengeFor(suite.url, wallet.address);
    const res = await postLogin(suite.url, { wallet_address: wallet.address, message, signature: `0x${signAitbcMessage(message, secretKey)}` });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('logs two different users in with their own tokens and never mixes them up', async () => {
    const alice = newEthereumWallet();
    const bob = newAitbcWallet();
    const [a, b] = await Promise.all([signedLoginOk(suite.url, alice), signedLoginOk(suite.url, bob)]);
    expect(a.userId).not.toBe(b.userId);
    const meA = await api(suite.url, 'GET', '/api/users/me', { token: a.token });
    const meB = await api(suite.url, 'GET', '/api/users/me', { token: b.token });
    expect(meA.body).toMatchObject({ user_id: a.userId, wallet_address: alice.address });
    expect(meB.body).toMatchObject({ user_id: b.userId, wallet_address: bob.address });
    expect((await api(suite.url, 'GET', `/api/users/${b.userId}/balance`, { token: a.token })).status).toBe(403);
  });
});
