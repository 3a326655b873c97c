import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { messageOutput } from '../../shared/schemas/common.js';
import {
  balanceOutput,
  faucetInput,
  loginInput,
  loginOutput,
  meOutput,
  transactionsInput,
  transactionsOutput,
  userIdInput,
} from '../../shared/schemas/users.js';
import { listTransactions } from '../services/history.js';
import { loginWithWallet } from '../services/login.js';
import { revokeSession } from '../services/sessions.js';
import { getBalance, grantFaucet } from '../services/wallets.js';
import { toIsoTime, toIsoTimeOrNull } from '../time.js';
import { assertOwnUser, authedProcedure, publicProcedure, router } from '../trpc.js';

const tags = ['users'];

export const usersRouter = router({
  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/users/login', tags, protect: false, summary: 'Log in (or register) with a wallet' } })
    .input(loginInput)
    .output(loginOutput)
    .mutation(({ ctx, input }) => loginWithWallet(ctx, input)),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags, summary: 'The signed-in user' } })
    .input(z.void())
    .output(meOutput)
    .query(({ ctx }) => {
      const { user, wallet } = ctx.auth;
      return {
        user_id: user.id,
        email: user.email,
        username: user.username,
        status: user.status,
        created_at: toIsoTime(user.created_at),
        last_login: toIsoTimeOrNull(user.last_login),
        wallet_address: wallet.address,
      };
    }),

  balance: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{user_id}/balance', tags, summary: 'AITBC balance of your wallet' } })
    .input(userIdInput)
    .output(balanceOutput)
    .query(({ ctx, input }) => {
      assertOwnUser(ctx, input.user_id);
      return getBalance(ctx.db, ctx.auth.wallet.id);
    }),

  transactions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{user_id}/transactions', tags, summary: 'Your transaction history, newest first' } })
    .input(transactionsInput)
    .output(transactionsOutput)
    .query(({ ctx, input }) => {
      assertOwnUser(ctx, input.user_id);
      return listTransactions(ctx.db, input.user_id, { ...input, limit: input.limit ?? 50 });
    }),

  logout: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/logout', tags, summary: 'End this session' } })
    .input(z.void())
    .output(messageOutput)
    .mutation(async ({ ctx }) => {
      await revokeSession(ctx.db, ctx.auth.sessionId);
      ctx.log.info({ event: 'logout', user_id: ctx.auth.user.id, ip: ctx.ip }, 'audit');
      return { message: 'Logged out successfully' };
    }),

  faucet: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/{user_id}/faucet', tags, summary: 'Demo mode: get test AITBC' } })
    .input(faucetInput)
    .output(balanceOutput)
    .mutation(({ ctx, input }) => {
      if (!ctx.config.demoMode) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'The faucet is only available in demo mode.' });
      }
      assertOwnUser(ctx, input.user_id);
      return grantFaucet(ctx.db, { userId: ctx.auth.user.id, walletId: ctx.auth.wallet.id }, input.amount);
    }),
});
