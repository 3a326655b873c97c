/**
 * The browser's demo wallet: a secp256k1 key pair created in this browser, whose `aitbc1…`
 * address is derived from the public key exactly as the server checks it. The secret key and the
 * address are kept in localStorage so a returning visitor signs the challenge again and comes back
 * to the same account. The session token is never stored here (it lives in memory only).
 *
 * localStorage is readable by any script on this origin: fine for a demo wallet holding test
 * AITBC, which is why the app says so next to it, not a place for keys that guard real funds.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { aitbcAddressFromSecretKey, newAitbcSecretKey, signAitbcMessage } from '../../shared/wallet/aitbc';

/** `{"version":1,"address":"aitbc1…","secret_key":"<64 hex digits>"}`. */
export const DEMO_WALLET_STORAGE_KEY = 'aitbc.demoWallet';
/**
 * Before signed sign-in, the demo wallet was a random address with no key behind it. A returning
 * visitor who still has one is signed in to that account by address (demo mode only).
 */
export const LEGACY_WALLET_STORAGE_KEY = 'aitbc.demoWalletAddress';
/** Which wallet signed in last on this device: `browser` (demo key) or `ethereum` (MetaMask). */
export const LAST_WALLET_STORAGE_KEY = 'aitbc.lastWallet';

export type WalletFamily = 'browser' | 'ethereum';

export interface DemoWallet {
  address: string;
  /** 32 bytes, lowercase hex. */
  secretKeyHex: string;
}

const SECRET_KEY_HEX = /^[0-9a-f]{64}$/;
const LEGACY_ADDRESS = /^aitbc1[a-z0-9_-]{6,84}$/;

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private browsing or storage full: the session still works, it just will not be remembered.
  }
}

function removeStorage(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

/** The wallet for a secret key, its address derived from the key (never trusted from storage). */
export function demoWalletFromSecretKey(secretKeyHex: string): DemoWallet {
  const normalized = secretKeyHex.trim().toLowerCase().replace(/^0x/, '');
  if (!SECRET_KEY_HEX.test(normalized)) throw new Error('A secret key is 64 hexadecimal digits.');
  return { address: aitbcAddressFromSecretKey(hexToBytes(normalized)), secretKeyHex: normalized };
}

/** The remembered key wallet, or null when there is none or what is stored is not a valid key. */
export function readDemoWallet(): DemoWallet | null {
  const stored = readStorage(DEMO_WALLET_STORAGE_KEY);
  if (!stored) return null;
  try {
    const parsed = JSON.parse(stored) as { secret_key?: unknown };
    return typeof parsed.secret_key === 'string' ? demoWalletFromSecretKey(parsed.secret_key) : null;
  } catch {
    return null;
  }
}

export function storeDemoWallet(wallet: DemoWallet): void {
  writeStorage(
    DEMO_WALLET_STORAGE_KEY,
    JSON.stringify({ version: 1, address: wallet.address, secret_key: wallet.secretKeyHex }),
  );
}

/** A new key pair from the browser's CSPRNG, remembered on this device. */
export function createDemoWallet(): DemoWallet {
  const wallet = demoWalletFromSecretKey(bytesToHex(newAitbcSecretKey()));
  storeDemoWallet(wallet);
  return wallet;
}

/** Removes the key wallet (and any old address-only wallet) from this device. */
export function forgetDemoWallet(): void {
  removeStorage(DEMO_WALLET_STORAGE_KEY);
  removeStorage(LEGACY_WALLET_STORAGE_KEY);
  removeStorage(LAST_WALLET_STORAGE_KEY);
}

/** The contract's AITBC signature (hex r‖s‖v over SHA-256 of the message) with the wallet's key. */
export function signWithDemoWallet(wallet: DemoWallet, message: string): string {
  return signAitbcMessage(message, hexToBytes(wallet.secretKeyHex));
}

/** The address-only wallet of an earlier visit, or null. */
export function readLegacyWalletAddress(): string | null {
  const stored = readStorage(LEGACY_WALLET_STORAGE_KEY);
  return stored && LEGACY_ADDRESS.test(stored) ? stored : null;
}

export function forgetLegacyWalletAddress(): void {
  removeStorage(LEGACY_WALLET_STORAGE_KEY);
}

export function readLastWalletFamily(): WalletFamily | null {
  const stored = readStorage(LAST_WALLET_STORAGE_KEY);
  return stored === 'browser' || stored === 'ethereum' ? stored : null;
}

export function rememberLastWalletFamily(family: WalletFamily): void {
  writeStorage(LAST_WALLET_STORAGE_KEY, family);
}
