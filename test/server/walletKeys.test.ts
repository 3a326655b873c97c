import { createHash, createPublicKey, verify } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bech32 } from '@scure/base';
import { hashMessage, verifyMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { parseSiweMessage } from 'viem/siwe';
import { describe, expect, it } from 'vitest';
import { buildSignInMessage } from '../../server/services/challenges.js';
import {
  aitbcAddressFromPublicKey,
  aitbcAddressFromSecretKey,
  recoverAitbcAddress,
  signAitbcMessage,
} from '../../shared/wallet/aitbc.js';

/** Secret key 1: its public key is the curve's generator G. */
const SECRET_KEY_ONE = hexToBytes('0000000000000000000000000000000000000000000000000000000000000001');
const G_COMPRESSED = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const G_X = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const G_Y = '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8';
const HASH160_OF_G = '751e76e8199196d454941c45d1b3a323f1433bd6';
const ADDRESS_OF_KEY_ONE = 'aitbc1w508d6qejxtdg4y5r3zarvary0c5xw7kd44gly';

const VECTOR_MESSAGE = 'Sign in to the AITBC Exchange.\nNonce: 000102030405060708090a0b0c0d0e0f';
/** RFC 6979 deterministic signature of VECTOR_MESSAGE by secret key 1, r‖s‖v. */
const VECTOR_SIGNATURE =
  'ebf7be6be8f1846c39b6d61dba973f7571db9d6944a7f2b2c18e8e05e250fef4' +
  '058496892422fa08fa5e6d54db109aa231da54d4aea9b8ecd32c5da83f52e009' +
  '00';

const CURVE_ORDER = secp256k1.Point.CURVE().n;

/** The same signature with its last byte (v) replaced. */
function withV(signature: string, v: number): string {
  return signature.slice(0, 128) + v.toString(16).padStart(2, '0');
}

/** The malleable twin of a signature: s → n − s and the recovery bit flipped. */
function highSTwin(signature: string): string {
  const s = BigInt(`0x${signature.slice(64, 128)}`);
  const v = parseInt(signature.slice(128, 130), 16);
  return signature.slice(0, 64) + (CURVE_ORDER - s).toString(16).padStart(64, '0') + (v ^ 1).toString(16).padStart(2, '0');
}

describe('AITBC address derivation', () => {
  it('derives the known address from secret key 1', () => {
    expect(aitbcAddressFromSecretKey(SECRET_KEY_ONE)).toBe(ADDRESS_OF_KEY_ONE);
  });

  it('derives the same address from the compressed public key G', () => {
    expect(aitbcAddressFromPublicKey(hexToBytes(G_COMPRESSED))).toBe(ADDRESS_OF_KEY_ONE);
  });

  it('encodes RIPEMD-160(SHA-256(public key)) under the aitbc prefix', () => {
    const decoded = bech32.decode(ADDRESS_OF_KEY_ONE as `${string}1${string}`);
    expect(decoded.prefix).toBe('aitbc');
    expect(bytesToHex(bech32.fromWords(decoded.words))).toBe(HASH160_OF_G);
  });

  it('agrees with OpenSSL on the hash160 of G', () => {
    const sha = createHash('sha256').update(hexToBytes(G_COMPRESSED)).digest();
    expect(createHash('ripemd160').update(sha).digest('hex')).toBe(HASH160_OF_G);
  });

  it('gives a lowercase address that matches the login schema', () => {
    expect(ADDRESS_OF_KEY_ONE).toMatch(/^aitbc1[a-z0-9]{6,84}$/);
  });
});

describe('AITBC message signatures', () => {
  it('signs the fixed message with the known deterministic signature', () => {
    expect(signAitbcMessage(VECTOR_MESSAGE, SECRET_KEY_ONE)).toBe(VECTOR_SIGNATURE);
  });

  it('produces a signature OpenSSL verifies as ECDSA over SHA-256 of the UTF-8 message', () => {
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'secp256k1', x: Buffer.from(G_X, 'hex').toString('base64url'), y: Buffer.from(G_Y, 'hex').toString('base64url') },
      format: 'jwk',
    });
    const rs = Buffer.from(VECTOR_SIGNATURE.slice(0, 128), 'hex');
    expect(verify('sha256', Buffer.from(VECTOR_MESSAGE, 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true);
  });

  it('recovers the signer address from the fixed signature', () => {
    expect(recoverAitbcAddress(VECTOR_MESSAGE, VECTOR_SIGNATURE)).toEqual({ ok: true, address: ADDRESS_OF_KEY_ONE });
  });

  it('makes low-S signatures with v 0 or 1', () => {
    for (let i = 0; i < 20; i++) {
      const signature = signAitbcMessage(`message ${i}`, SECRET_KEY_ONE);
      expect(signature).toMatch(/^[0-9a-f]{128}0[01]$/);
      expect(BigInt(`0x${signature.slice(64, 128)}`) <= CURVE_ORDER / 2n).toBe(true);
    }
  });

  it('accepts v written as 27 or 28', () => {
    const v = parseInt(VECTOR_SIGNATURE.slice(128), 16);
    expect(recoverAitbcAddress(VECTOR_MESSAGE, withV(VECTOR_SIGNATURE, v + 27))).toEqual({ ok: true, address: ADDRESS_OF_KEY_ONE });
  });

  it('accepts upper-case hex', () => {
    expect(recoverAitbcAddress(VECTOR_MESSAGE, VECTOR_SIGNATURE.toUpperCase())).toEqual({ ok: true, address: ADDRESS_OF_KEY_ONE });
  });

  it('recovers another address when the other recovery bit is claimed', () => {
    const v = parseInt(VECTOR_SIGNATURE.slice(128), 16);
    const result = recoverAitbcAddress(VECTOR_MESSAGE, withV(VECTOR_SIGNATURE, v ^ 1));
    expect(result).not.toEqual({ ok: true, address: ADDRESS_OF_KEY_ONE });
  });

  it('recovers another address for a message changed by one character', () => {
    const result = recoverAitbcAddress(VECTOR_MESSAGE.replace('AITBC', 'AITBD'), VECTOR_SIGNATURE);
    expect(result).not.toEqual({ ok: true, address: ADDRESS_OF_KEY_ONE });
  });

  it.each([2, 26, 29, 255])('rejects the recovery byte %i', (v) => {
    expect(recoverAitbcAddress(VECTOR_MESSAGE, withV(VECTOR_SIGNATURE, v))).toMatchObject({ ok: false, reason: expect.stringMatching(/recovery byte/) });
  });

  it('rejects the high-S twin of a valid signature', () => {
    const twin = highSTwin(VECTOR_SIGNATURE);
    // The twin is mathematically valid for the same key, which is why it must be refused by rule.
    const asRecovered = new Uint8Array([parseInt(twin.slice(128), 16), ...hexToBytes(twin.slice(0, 128))]);
    expect(bytesToHex(secp256k1.recoverPublicKey(asRecovered, new TextEncoder().encode(VECTOR_MESSAGE)))).toBe(G_COMPRESSED);
    expect(recoverAitbcAddress(VECTOR_MESSAGE, twin)).toMatchObject({ ok: false, reason: expect.stringMatching(/low-S/) });
  });

  it.each([
    ['empty', ''],
    ['64 bytes', VECTOR_SIGNATURE.slice(0, 128)],
    ['66 bytes', `${VECTOR_SIGNATURE}00`],
    ['an odd number of hex digits', VECTOR_SIGNATURE.slice(0, 129)],
    ['non-hex characters', `${VECTOR_SIGNATURE.slice(0, 128)}zz`],
    ['white space inside', `${VECTOR_SIGNATURE.slice(0, 64)} ${VECTOR_SIGNATURE.slice(65)}`],
    ['base64 instead of hex', Buffer.from(VECTOR_SIGNATURE, 'hex').toString('base64')],
    ['10 KB of hex', 'ab'.repeat(5000)],
  ])('rejects a signature that is %s', (_what, signature) => {
    expect(recoverAitbcAddress(VECTOR_MESSAGE, signature)).toMatchObject({ ok: false, reason: expect.stringMatching(/65 bytes/) });
  });

  it.each([
    ['r = 0', '00'.repeat(32) + VECTOR_SIGNATURE.slice(64)],
    ['s = 0', VECTOR_SIGNATURE.slice(0, 64) + '00'.repeat(32) + VECTOR_SIGNATURE.slice(128)],
    ['r = n', CURVE_ORDER.toString(16).padStart(64, '0') + VECTOR_SIGNATURE.slice(64)],
    ['all ones', 'ff'.repeat(64) + '00'],
  ])('rejects an out-of-range signature (%s) without throwing', (_what, signature) => {
    expect(recoverAitbcAddress(VECTOR_MESSAGE, signature)).toMatchObject({ ok: false });
  });
});

describe('Ethereum (EIP-191) fixed vector', () => {
  // Hardhat / Anvil development account #0: a published key, never to be used for real funds.
  const HARDHAT_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
  const HARDHAT_ADDRESS_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
  const HELLO_SIGNATURE =
    '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c';

  it('derives the known checksummed address from the known key', () => {
    expect(privateKeyToAccount(HARDHAT_KEY_0).address).toBe(HARDHAT_ADDRESS_0);
  });

  it('hashes "hello" with the EIP-191 personal_sign prefix to the known digest', () => {
    expect(hashMessage('hello')).toBe('0x50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750');
  });

  it('signs "hello" with the known deterministic signature', async () => {
    expect(await privateKeyToAccount(HARDHAT_KEY_0).signMessage({ message: 'hello' })).toBe(HELLO_SIGNATURE);
  });

  it('verifies the signature against the checksummed and the lowercase address', async () => {
    expect(await verifyMessage({ address: HARDHAT_ADDRESS_0, message: 'hello', signature: HELLO_SIGNATURE })).toBe(true);
    expect(await verifyMessage({ address: HARDHAT_ADDRESS_0.toLowerCase() as `0x${string}`, message: 'hello', signature: HELLO_SIGNATURE })).toBe(true);
  });

  it('refuses the signature for another message or another address', async () => {
    expect(await verifyMessage({ address: HARDHAT_ADDRESS_0, message: 'hello!', signature: HELLO_SIGNATURE })).toBe(false);
    expect(await verifyMessage({ address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', message: 'hello', signature: HELLO_SIGNATURE })).toBe(false);
  });
});

describe('buildSignInMessage', () => {
  const fields = {
    domain: 'localhost:3000',
    uri: 'http://localhost:3000',
    nonce: '000102030405060708090a0b0c0d0e0f1011121314151617',
    issuedAt: new Date('2026-12-03T15:45:21.123Z'),
    expiresAt: new Date('2026-12-03T15:50:21.123Z'),
  };

  it('builds an EIP-4361 message for a 0x address with every field the server checks', () => {
    const message = buildSignInMessage({ ...fields, address: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' });
    expect(message.split('\n')[0]).toBe('localhost:3000 wants you to sign in with your Ethereum account:');
    expect(parseSiweMessage(message)).toEqual({
      domain: 'localhost:3000',
      address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      statement: 'Sign in to the AITBC Exchange.',
      uri: 'http://localhost:3000',
      version: '1',
      chainId: 1,
      nonce: fields.nonce,
      issuedAt: fields.issuedAt,
      expirationTime: fields.expiresAt,
    });
  });

  it('builds the same layout for an AITBC address, naming the AITBC wallet', () => {
    expect(buildSignInMessage({ ...fields, address: ADDRESS_OF_KEY_ONE })).toBe(
      [
        'localhost:3000 wants you to sign in with your AITBC wallet:',
        ADDRESS_OF_KEY_ONE,
        '',
        'Sign in to the AITBC Exchange.',
        '',
        'URI: http://localhost:3000',
        'Version: 1',
        `Nonce: ${fields.nonce}`,
        'Issued At: 2026-12-03T15:45:21.123Z',
        'Expiration Time: 2026-12-03T15:50:21.123Z',
      ].join('\n'),
    );
  });
});
