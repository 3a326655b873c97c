/**
 * The demo wallet: a random `aitbc1…` address created in the browser and remembered in
 * localStorage, so a returning visitor signs in to the same account. Only the address is kept
 * there; the session token never leaves memory.
 */

export const DEMO_WALLET_STORAGE_KEY = 'aitbc.demoWalletAddress';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const AITBC_ADDRESS = /^aitbc1[a-z0-9_-]{6,84}$/;
const RANDOM_CHARS = 38;

export function isAitbcAddress(value: string): boolean {
  return AITBC_ADDRESS.test(value);
}

/** `aitbc1` + 38 random lowercase base32 characters (190 bits from the CSPRNG). */
export function createDemoWalletAddress(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_CHARS));
  let suffix = '';
  for (const byte of bytes) suffix += BASE32_ALPHABET[byte & 31];
  return `aitbc1${suffix}`;
}

/** The remembered address, or null when there is none (or storage is unavailable). */
export function readStoredWalletAddress(): string | null {
  try {
    const stored = localStorage.getItem(DEMO_WALLET_STORAGE_KEY);
    return stored && isAitbcAddress(stored) ? stored : null;
  } catch {
    return null;
  }
}

export function storeWalletAddress(address: string): void {
  try {
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, address);
  } catch {
    // Private browsing or storage full: the session still works, it just will not be remembered.
  }
}

/** The remembered demo address, creating and remembering a new one on the first visit. */
export function getOrCreateDemoWalletAddress(): string {
  const existing = readStoredWalletAddress();
  if (existing) return existing;
  const created = createDemoWalletAddress();
  storeWalletAddress(created);
  return created;
}
