// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { recoverAitbcAddress } from '../../shared/wallet/aitbc';
import {
  DEMO_WALLET_STORAGE_KEY,
  LAST_WALLET_STORAGE_KEY,
  LEGACY_WALLET_STORAGE_KEY,
  createDemoWallet,
  demoWalletFromSecretKey,
  forgetDemoWallet,
  readDemoWallet,
  readLastWalletFamily,
  readLegacyWalletAddress,
  rememberLastWalletFamily,
  signWithDemoWallet,
} from '../../client/utils/demoWallet';
import { describeEthereumError, utf8ToHex } from '../../client/utils/ethereum';
import { describeUserAgent } from '../../client/utils/userAgent';

/** Secret key 1 (public key = G) and its address, the contract's fixed vector. */
const SECRET_KEY_ONE = '0000000000000000000000000000000000000000000000000000000000000001';
const ADDRESS_OF_KEY_ONE = 'aitbc1w508d6qejxtdg4y5r3zarvary0c5xw7kd44gly';
const VECTOR_MESSAGE = 'Sign in to the AITBC Exchange.\nNonce: 000102030405060708090a0b0c0d0e0f';
const VECTOR_SIGNATURE =
  'ebf7be6be8f1846c39b6d61dba973f7571db9d6944a7f2b2c18e8e05e250fef4' +
  '058496892422fa08fa5e6d54db109aa231da54d4aea9b8ecd32c5da83f52e009' +
  '00';

describe('the browser demo wallet', () => {
  beforeEach(() => {
    localStorage.clear();
  });

  it('derives the contract address of a known secret key', () => {
    expect(demoWalletFromSecretKey(SECRET_KEY_ONE)).toEqual({ address: ADDRESS_OF_KEY_ONE, secretKeyHex: SECRET_KEY_ONE });
  });

  it('signs the known message with the known signature (r‖s‖v hex)', () => {
    expect(signWithDemoWallet(demoWalletFromSecretKey(SECRET_KEY_ONE), VECTOR_MESSAGE)).toBe(VECTOR_SIGNATURE);
  });

  it('accepts an exported key with 0x, upper case or surrounding spaces', () => {
    expect(demoWalletFromSecretKey(`  0x${SECRET_KEY_ONE.toUpperCase()} `).address).toBe(ADDRESS_OF_KEY_ONE);
  });

  it('refuses a secret key that is not 64 hex digits', () => {
    expect(() => demoWalletFromSecretKey('abc')).toThrow('A secret key is 64 hexadecimal digits.');
    expect(() => demoWalletFromSecretKey('g'.repeat(64))).toThrow('A secret key is 64 hexadecimal digits.');
  });

  it('creates a new key pair whose signatures recover to its address, and remembers it', () => {
    const wallet = createDemoWallet();
    expect(wallet.address).toMatch(/^aitbc1[02-9ac-hj-np-z]{38}$/);
    expect(wallet.secretKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(recoverAitbcAddress('hello', signWithDemoWallet(wallet, 'hello'))).toEqual({ ok: true, address: wallet.address });
    expect(JSON.parse(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)!)).toEqual({
      version: 1,
      address: wallet.address,
      secret_key: wallet.secretKeyHex,
    });
    expect(readDemoWallet()).toEqual(wallet);
  });

  it('makes a different key every time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => createDemoWallet().secretKeyHex));
    expect(keys.size).toBe(50);
  });

  it('takes the address from the stored key, never from the stored address', () => {
    localStorage.setItem(
      DEMO_WALLET_STORAGE_KEY,
      JSON.stringify({ version: 1, address: 'aitbc1someoneelse000', secret_key: SECRET_KEY_ONE }),
    );
    expect(readDemoWallet()?.address).toBe(ADDRESS_OF_KEY_ONE);
  });

  it('ignores a stored value that is not a key wallet', () => {
    for (const junk of ['not json', '{}', '{"secret_key":"1234"}', 'null']) {
      localStorage.setItem(DEMO_WALLET_STORAGE_KEY, junk);
      expect(readDemoWallet()).toBeNull();
    }
  });

  it('reads an old address-only wallet only when it is a valid address', () => {
    localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, 'aitbc1abcdefghij');
    expect(readLegacyWalletAddress()).toBe('aitbc1abcdefghij');
    localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, 'nope');
    expect(readLegacyWalletAddress()).toBeNull();
  });

  it('forgets the key wallet, the old address and which wallet was used last', () => {
    createDemoWallet();
    localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, 'aitbc1abcdefghij');
    rememberLastWalletFamily('browser');
    localStorage.setItem('unrelated', 'kept');

    forgetDemoWallet();

    expect(readDemoWallet()).toBeNull();
    expect(readLastWalletFamily()).toBeNull();
    expect(Object.keys(localStorage)).toEqual(['unrelated']);
    expect(localStorage.getItem(LAST_WALLET_STORAGE_KEY)).toBeNull();
  });
});

describe('Ethereum wallet helpers', () => {
  it('hex-encodes the UTF-8 bytes of a message for personal_sign', () => {
    expect(utf8ToHex('Hi\n€')).toBe('0x48690ae282ac');
  });

  it('phrases the wallet errors a user can act on', () => {
    expect(describeEthereumError({ code: 4001, message: 'User rejected the request.' })).toBe(
      'You declined the request in your Ethereum wallet. Nothing was signed.',
    );
    expect(describeEthereumError({ code: -32002, message: 'pending' })).toBe(
      'Your Ethereum wallet already has a request open. Finish it there, then try again.',
    );
    expect(describeEthereumError({ code: 4100, message: 'Unauthorized' })).toBe('Your Ethereum wallet refused: Unauthorized.');
    expect(describeEthereumError(new TypeError('fetch failed'))).toBeNull();
  });
});

describe('describeUserAgent', () => {
  it('names browser and system of common user agents', () => {
    expect(
      describeUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36'),
    ).toBe('Chrome on Linux');
    expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
      'Firefox on macOS',
    );
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
      ),
    ).toBe('Edge on Windows');
    expect(describeUserAgent('curl/8.5.0')).toBe('curl');
  });

  it('says so when there is no user agent, and shortens one it does not know', () => {
    expect(describeUserAgent(null)).toBe('Unknown device');
    expect(describeUserAgent('  ')).toBe('Unknown device');
    expect(describeUserAgent('x'.repeat(60))).toBe(`${'x'.repeat(39)}…`);
  });
});
