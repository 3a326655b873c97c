import { TRPCError } from '@trpc/server';
import type { LoginOutput } from '../../shared/schemas/users.js';
import type { Context } from '../context.js';
import { toIsoTime } from '../time.js';
import { findOrCreateAccount, recordLogin } from './accounts.js';
import { issueSession } from './sessions.js';

export interface LoginRequest {
  wallet_address: string;
  message?: string;
  signature?: string;
}

/** Address login: finds or auto-registers the wallet's account and issues a session. */
export async function loginWithWallet(ctx: Context, input: LoginRequest): Promise<LoginOutput> {
  if (!ctx.config.demoMode && !input.signature) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A signed sign-in message is required: request a challenge first.' });
  }
  const account = await findOrCreateAccount(ctx.db, input.wallet_address);
  if (account.user.status !== 'active') {
    ctx.log.info({ event: 'login', outcome: 'refused', reason: account.user.status, address: input.wallet_address, ip: ctx.ip }, 'audit');
    throw new TRPCError({ code: 'FORBIDDEN', message: `This account is ${account.user.status} and cannot sign in.` });
  }
  const session = await issueSession(ctx.db, account.user.id, {
    ttlSeconds: ctx.config.sessionTtlSeconds,
    userAgent: ctx.userAgent,
    ip: ctx.ip,
  });
  await recordLogin(ctx.db, account.user.id);
  ctx.log.info({ event: 'login', outcome: 'ok', user_id: account.user.id, address: input.wallet_address, ip: ctx.ip, new_user: account.isNew }, 'audit');
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
