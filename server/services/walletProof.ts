import type { Knex } from 'knex';
import { recoverAitbcAddress } from '../../shared/wallet/aitbc.js';
import { SignInChallenge } from '../models/SignInChallenge.js';
import { nowDbTime } from '../time.js';
import { consumeChallenge } from './challenges.js';
import { viemSiwe, viemUtils } from './viem.js';

export type ProofResult = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): ProofResult => ({ ok: false, reason });

interface MessageFields {
  domain?: string;
  address?: string;
  uri?: string;
  nonce?: string;
}

function readFields(message: string, address: string): MessageFields {
  if (address.startsWith('0x')) {
    const siwe = viemSiwe().parseSiweMessage(message);
    return { domain: siwe.domain, address: siwe.address?.toLowerCase(), uri: siwe.uri, nonce: siwe.nonce };
  }
  const lines = message.split('\n');
  const field = (label: string) => lines.find((l) => l.startsWith(`${label}: `))?.slice(label.length + 2);
  return {
    domain: lines[0]?.match(/^(\S+) wants you to sign in with your AITBC wallet:$/)?.[1],
    address: lines[1]?.trim().toLowerCase(),
    uri: field('URI'),
    nonce: field('Nonce'),
  };
}

async function signatureMatches(address: string, message: string, signature: string): Promise<ProofResult> {
  if (address.startsWith('0x')) {
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return fail('The signature must be 0x followed by 65 bytes of hex.');
    try {
      const valid = await viemUtils().verifyMessage({ address: address as `0x${string}`, message, signature: signature as `0x${string}` });
      return valid ? { ok: true } : fail('The signature was not made by this wallet.');
    } catch {
      return fail('The signature is not a valid Ethereum signature.');
    }
  }
  const recovered = recoverAitbcAddress(message, signature);
  if (!recovered.ok) return fail(recovered.reason);
  return recovered.address === address ? { ok: true } : fail('The signature was not made by this wallet.');
}

/**
 * Checks a signed sign-in message against the challenge the server issued, field by field so
 * the caller learns what is wrong, then consumes the nonce atomically (one login per nonce).
 */
export async function verifyWalletProof(
  db: Knex,
  proof: { address: string; message: string; signature: string; origin: string },
): Promise<ProofResult> {
  const fields = readFields(proof.message, proof.address);
  const expectedDomain = new URL(proof.origin).host;
  if (!fields.nonce) return fail('The message is not a sign-in challenge from this exchange: it has no nonce.');
  if (fields.domain !== expectedDomain) return fail(`The message is for another domain (${fields.domain ?? 'none'}), not ${expectedDomain}.`);
  if (fields.uri !== proof.origin) return fail(`The message is for another URI, not ${proof.origin}.`);
  if (fields.address !== proof.address) return fail('The message is for another wallet address.');

  const challenge = await SignInChallenge.query(db).findById(fields.nonce);
  if (!challenge) return fail('Unknown nonce: request a new challenge.');
  if (challenge.wallet_address !== proof.address) return fail('The challenge was issued for another wallet address.');
  if (challenge.message !== proof.message) return fail('The message was changed after it was issued.');
  const now = nowDbTime();
  if (challenge.used_at) return fail('This challenge was already used: request a new one.');
  if (challenge.expires_at <= now) return fail('The challenge has expired: request a new one.');

  const signature = await signatureMatches(proof.address, proof.message, proof.signature);
  if (!signature.ok) return signature;
  if (!(await consumeChallenge(db, challenge.nonce, nowDbTime()))) return fail('This challenge was already used: request a new one.');
  return { ok: true };
}
