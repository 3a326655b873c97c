import { TRPCError } from '@trpc/server';
import type { LoginOutput } from '../../shared/schemas/users.js';
import type { Context } from '../context.js';
import { Wallet } from '../models/Wallet.js';
import { nowDbTime, toIsoTime } from '../time.js';
import { findAccountByAddress, findOrCreateAccount, recordAddressOnlyLogin, recordLogin, type Account } from './accounts.js';
import { issueSession, revokeSession, revokeSessionsCreatedBefore } from './sessions.js';
import { verifyWalletProof } from './walletProof.js';

export interface LoginRequest {
  wallet_address: string;
  message?: string;
  signature?: string;
}

function audit(ctx: Context, address: string, outcome: string, extra: Record<string, unknown> = {}): void {
  ctx.log.info({ event: 'login', outcome, address, ip: ctx.ip, ...extra }, 'audit');
}

async function refuse(ctx: Context, address: string, reason: string): Promise<never> {
  audit(ctx, address, 'failed', { reason });
  // Failed logins spend the wallet's budget, so guessing at one wallet is slowed down.
  await ctx.signinLimits.consumeAddress(address);
  throw new TRPCError({ code: 'UNAUTHORIZED', message: reason });
}

/**
 * Signed login proves the key (and marks the wallet as proven); address-only login is a demo
 * convenience for wallets that never proved a key. Then: find or auto-register, issue a session.
 */
export async function loginWithWallet(ctx: Context, input: LoginRequest): Promise<LoginOutput> {
  const address = input.wallet_address;
  await ctx.signinLimits.consumeIp(ctx.ip).catch((err: unknown) => {
    audit(ctx, address, 'failed', { reason: err instanceof Error ? err.message : 'rate limited' });
    throw err;
  });
  const signed = input.signature !== undefined || input.message !== undefined;
  let existing: Account | null = null;

  if (signed) {
    if (!input.signature || !input.message) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'A signed login needs both message and signature.' });
    }
    const proof = await verifyWalletProof(ctx.db, { address, message: input.message, signature: input.signature, origin: ctx.config.publicOrigin });
    if (!proof.ok) return refuse(ctx, address, proof.reason);
  } else {
    if (!ctx.config.demoMode) return refuse(ctx, address, 'A signed sign-in message is required: request a challenge first.');
    existing = await findAccountByAddress(ctx.db, address);
    if (existing?.wallet.key_proven_at) {
      return refuse(ctx, address, 'This wallet has proven its key: sign the challenge to log in.');
    }
  }

  // A returning address-only user was just read: no second lookup.
  const account = existing ?? (await findOrCreateAccount(ctx.db, address));
  if (account.user.status !== 'active') {
    audit(ctx, address, 'refused', { reason: account.user.status, user_id: account.user.id });
    throw new TRPCError({ code: 'FORBIDDEN', message: `This account is ${account.user.status} and cannot sign in.` });
  }
  if (signed && !account.wallet.key_proven_at) {
    const provenAt = nowDbTime();
    const claimed = await Wallet.query(ctx.db).patch({ key_proven_at: provenAt }).where('id', account.wallet.id).whereNull('key_proven_at');
    // Sessions opened before the key was proven were address-only: whoever knew the address may hold one.
    if (claimed) await revokeSessionsCreatedBefore(ctx.db, account.user.id, provenAt);
  }
  const session = await issueSession(ctx.db, account.user.id, {
    ttlSeconds: ctx.config.sessionTtlSeconds,
    userAgent: ctx.userAgent,
    ip: ctx.ip,
  });
  if (signed) {
    await recordLogin(ctx.db, account.user.id);
  } else if (!(await recordAddressOnlyLogin(ctx.db, { userId: account.user.id, walletId: account.wallet.id }))) {
    // The key was proven while this address-only login was under way: it must not survive the claim.
    await revokeSession(ctx.db, session.id);
    return refuse(ctx, address, 'This wallet has proven its key: sign the challenge to log in.');
  }
  audit(ctx, address, 'ok', { user_id: account.user.id, signed, new_user: account.isNew, session_id: session.id });
  return {
    user_id: account.user.id,
    email: account.user.email,
    username: account.user.username,
    created_at: toIsoTime(account.user.created_at),
    session_token: session.token,
    expires_at: toIsoTime(session.expiresAt),
    wallet_address: account.wallet.address,
    is_new_user: account.isNew,
  };
}
