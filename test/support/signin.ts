import { bytesToHex } from '@noble/hashes/utils.js';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { aitbcAddressFromSecretKey, newAitbcSecretKey, signAitbcMessage } from '../../shared/wallet/aitbc.js';
import { api, type ApiResponse, type RequestOptions } from './http.js';

/** The origin every signing test server is started with, so message domains are predictable. */
export const TEST_ORIGIN = 'http://localhost:3000';
export const TEST_DOMAIN = 'localhost:3000';
export const SIGNIN_ENV = { PUBLIC_ORIGIN: TEST_ORIGIN };

/** What a test needs to sign in with one wallet, whatever its family. */
export interface TestWallet {
  /** As the server stores it: lowercase. */
  address: string;
  sign(message: string): Promise<string>;
}

export interface AitbcTestWallet extends TestWallet {
  secretKey: Uint8Array;
}

export interface EthereumTestWallet extends TestWallet {
  account: PrivateKeyAccount;
  /** EIP-55 mixed-case form. */
  checksumAddress: `0x${string}`;
}

export function newAitbcWallet(secretKey: Uint8Array = newAitbcSecretKey()): AitbcTestWallet {
  return {
    secretKey,
    address: aitbcAddressFromSecretKey(secretKey),
    sign: async (message) => signAitbcMessage(message, secretKey),
  };
}

export function newEthereumWallet(privateKey: `0x${string}` = generatePrivateKey()): EthereumTestWallet {
  const account = privateKeyToAccount(privateKey);
  return {
    account,
    checksumAddress: account.address,
    address: account.address.toLowerCase(),
    sign: (message) => account.signMessage({ message }),
  };
}

export function secretKeyHex(wallet: AitbcTestWallet): string {
  return bytesToHex(wallet.secretKey);
}

export function requestChallenge(baseUrl: string, address: string, opts: Omit<RequestOptions, 'body'> = {}): Promise<ApiResponse> {
  return api(baseUrl, 'POST', '/api/users/challenge', { ...opts, body: { wallet_address: address } });
}

/** A challenge that must succeed; returns its body. */
export async function challengeFor(baseUrl: string, address: string, opts: Omit<RequestOptions, 'body'> = {}) {
  const res = await requestChallenge(baseUrl, address, opts);
  if (res.status !== 200) throw new Error(`challenge failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { wallet_address: string; nonce: string; message: string; issued_at: string; expires_at: string };
}

export function postLogin(baseUrl: string, body: Record<string, unknown>, opts: Omit<RequestOptions, 'body'> = {}): Promise<ApiResponse> {
  return api(baseUrl, 'POST', '/api/users/login', { ...opts, body });
}

/** Challenge, sign, log in: the whole flow; returns the login reply (status not checked). */
export async function signedLogin(baseUrl: string, wallet: TestWallet, opts: Omit<RequestOptions, 'body'> = {}): Promise<ApiResponse> {
  const { message } = await challengeFor(baseUrl, wallet.address, opts);
  return postLogin(baseUrl, { wallet_address: wallet.address, message, signature: await wallet.sign(message) }, opts);
}

/** A signed login that must succeed; returns its token and ids. */
export async function signedLoginOk(baseUrl: string, wallet: TestWallet, opts: Omit<RequestOptions, 'body'> = {}) {
  const res = await signedLogin(baseUrl, wallet, opts);
  if (res.status !== 200) throw new Error(`signed login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.session_token as string, userId: res.body.user_id as string, login: res.body };
}
