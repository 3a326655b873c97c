import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { SignInChallenge } from '../models/SignInChallenge.js';
import { toDbTime, toIsoTime } from '../time.js';
import { viemSiwe, viemUtils } from './viem.js';

export const CHALLENGE_TTL_SECONDS = 300;
export const SIGN_IN_STATEMENT = 'Sign in to the AITBC Exchange.';

export interface ChallengeOutput {
  wallet_address: string;
  nonce: string;
  message: string;
  issued_at: string;
  expires_at: string;
}

/**
 * The message a wallet signs. `0x` wallets get EIP-4361 (Sign-In with Ethereum); AITBC wallets
 * the same fields and layout, naming their own wallet kind.
 */
export function buildSignInMessage(fields: { domain: string; uri: string; address: string; nonce: string; issuedAt: Date; expiresAt: Date }): string {
  if (fields.address.startsWith('0x')) {
    return viemSiwe().createSiweMessage({
      domain: fields.domain,
      address: viemUtils().getAddress(fields.address),
      statement: SIGN_IN_STATEMENT,
      uri: fields.uri,
      version: '1',
      chainId: 1,
      nonce: fields.nonce,
      issuedAt: fields.issuedAt,
      expirationTime: fields.expiresAt,
    });
  }
  return [
    `${fields.domain} wants you to sign in with your AITBC wallet:`,
    fields.address,
    '',
    SIGN_IN_STATEMENT,
    '',
    `URI: ${fields.uri}`,
    'Version: 1',
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt.toISOString()}`,
    `Expiration Time: ${fields.expiresAt.toISOString()}`,
  ].join('\n');
}

/** A single-use nonce (192 bits) stored server-side, so any server process can check it. */
export async function issueChallenge(db: Knex, address: string, origin: string): Promise<ChallengeOutput> {
  const nonce = randomBytes(24).toString('hex');
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + CHALLENGE_TTL_SECONDS * 1000);
  const message = buildSignInMessage({ domain: new URL(origin).host, uri: origin, address, nonce, issuedAt, expiresAt });
  await SignInChallenge.query(db).insert({
    nonce,
    wallet_address: address,
    message,
    issued_at: toDbTime(issuedAt),
    expires_at: toDbTime(expiresAt),
    used_at: null,
  });
  return { wallet_address: address, nonce, message, issued_at: toIsoTime(toDbTime(issuedAt)), expires_at: toIsoTime(toDbTime(expiresAt)) };
}

/** Marks the nonce used if it still is live and unused; exactly one concurrent caller wins. */
export async function consumeChallenge(db: Knex, nonce: string, now: string): Promise<boolean> {
  const changed = await SignInChallenge.query(db)
    .patch({ used_at: now })
    .where('nonce', nonce)
    .whereNull('used_at')
    .where('expires_at', '>', now);
  return changed === 1;
}

/** Expired challenges are useless; drop them now and then so the table stays small. */
export async function deleteExpiredChallenges(db: Knex, now: string): Promise<number> {
  return SignInChallenge.query(db).delete().where('expires_at', '<', now);
}
