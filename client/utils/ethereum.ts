/**
 * The injected Ethereum wallet (MetaMask and friends), spoken to through EIP-1193 only: no
 * Ethereum library is bundled, since the wallet does the signing and the server does the checking.
 */

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** The provider the page was given (`window.ethereum`), or null when there is none. */
export function injectedEthereumProvider(): Eip1193Provider | null {
  if (typeof window === 'undefined') return null;
  const candidate = (window as { ethereum?: unknown }).ethereum;
  return candidate && typeof (candidate as Eip1193Provider).request === 'function' ? (candidate as Eip1193Provider) : null;
}

const ETHEREUM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** UTF-8 text as `0x…` hex: the form `personal_sign` expects for a message (as viem and ethers send it). */
export function utf8ToHex(text: string): `0x${string}` {
  let hex = '0x';
  for (const byte of new TextEncoder().encode(text)) hex += byte.toString(16).padStart(2, '0');
  return hex as `0x${string}`;
}

/** Asks the wallet for access and returns the selected account. */
export async function requestEthereumAccount(provider: Eip1193Provider): Promise<string> {
  const accounts = await provider.request({ method: 'eth_requestAccounts' });
  const account = Array.isArray(accounts) ? accounts[0] : undefined;
  if (typeof account !== 'string' || !ETHEREUM_ADDRESS.test(account)) {
    throw new EthereumWalletError('Your Ethereum wallet did not share an account. Unlock it and try again.');
  }
  return account;
}

/** EIP-191 `personal_sign` of the sign-in message by `address`. */
export async function personalSign(provider: Eip1193Provider, message: string, address: string): Promise<string> {
  const signature = await provider.request({ method: 'personal_sign', params: [utf8ToHex(message), address] });
  if (typeof signature !== 'string') throw new EthereumWalletError('Your Ethereum wallet returned no signature.');
  return signature;
}

/** A failure on the wallet's side, already phrased for the user. */
export class EthereumWalletError extends Error {}

/** EIP-1193 error codes worth their own sentence. */
const USER_REJECTED = 4001;
const REQUEST_PENDING = -32002;

export function describeEthereumError(error: unknown): string | null {
  if (error instanceof EthereumWalletError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === USER_REJECTED) return 'You declined the request in your Ethereum wallet. Nothing was signed.';
  if (code === REQUEST_PENDING) return 'Your Ethereum wallet already has a request open. Finish it there, then try again.';
  if (typeof code === 'number') {
    const message = (error as { message?: unknown }).message;
    return `Your Ethereum wallet refused: ${typeof message === 'string' && message ? message : `error ${code}`}.`;
  }
  return null;
}
