import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { messageOutput } from '../../shared/schemas/common.js';
import {
  balanceOutput,
  challengeInput,
  challengeOutput,
  logoutAllOutput,
  sessionIdInput,
  sessionsOutput,
  faucetInput,
  loginInput,
  loginOutput,
  meOutput,
  transactionsInput,
  transactionsOutput,
  userIdInput,
} from '../../shared/schemas/users.js';
import { listTransactions } from '../services/history.js';
import { profileOf } from '../services/profiles.js';
import { loginWithWallet } from '../services/login.js';
import { issueChallenge } from '../services/challenges.js';
import { streamUserEvents } from '../services/liveEvents.js';
import { listSessions, revokeOtherSessions, revokeOwnSession, revokeSession } from '../services/sessions.js';
import { balanceOf, grantFaucet } from '../services/wallets.js';
import { assertOwnUser, authedProcedure, publicProcedure, router, sessionProcedure } from '../trpc.js';

const tags = ['users'];

export const usersRouter = router({
  challenge: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/users/challenge', tags, protect: false, summary: 'Get a one-time message to sign' } })
    .input(challengeInput)
    .output(challengeOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.signinLimits.consumeIp(ctx.ip);
      await ctx.signinLimits.consumeAddress(input.wallet_address);
      return issueChallenge(ctx.db, input.wallet_address, ctx.config.publicOrigin);
    }),

  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/users/login', tags, protect: false, summary: 'Log in (or register) with a wallet' } })
    .input(loginInput)
    .output(loginOutput)
    .mutation(({ ctx, input }) => loginWithWallet(ctx, input)),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags, summary: 'The signed-in user' } })
    .input(z.void())
    .output(meOutput)
    .query(({ ctx }) => profileOf(ctx.db, ctx.auth)),

  balance: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{user_id}/balance', tags, summary: 'AITBC balance of your wallet' } })
    .input(userIdInput)
    .output(balanceOutput)
    .query(({ ctx, input }) => {
      assertOwnUser(ctx, input.user_id);
      return balanceOf(ctx.auth);
    }),

  transactions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{user_id}/transactions', tags, summary: 'Your transaction history, newest first' } })
    .input(transactionsInput)
    .output(transactionsOutput)
    .query(({ ctx, input }) => {
      assertOwnUser(ctx, input.user_id);
      return listTransactions(ctx.db, input.user_id, { ...input, limit: input.limit ?? 50 });
    }),

  // Any live session may end itself, even of a suspended account.
  logout: sessionProcedure
    .meta({ openapi: { method: 'POST', path: '/users/logout', tags, summary: 'End this session' } })
    .input(z.void())
    .output(messageOutput)
    .mutation(async ({ ctx }) => {
      await revokeSession(ctx.db, ctx.auth.sessionId);
      ctx.events.sessionEnded(ctx.auth.sessionId);
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
      return grantFaucet(ctx.db, ctx.events, { userId: ctx.auth.user.id, walletId: ctx.auth.wallet.id }, input.amount);
    }),

  sessions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me/sessions', tags, summary: 'Your live sessions' } })
    .input(z.void())
    .output(sessionsOutput)
    .query(async ({ ctx }) => ({ sessions: await listSessions(ctx.db, ctx.auth.user.id, ctx.auth.sessionId) })),

  revokeSession: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/users/me/sessions/{id}', tags, summary: 'End one of your sessions' } })
    .input(sessionIdInput)
    .output(messageOutput)
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeOwnSession(ctx.db, ctx.auth.user.id, input.id))) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'No live session of yours has that id.' });
      }
      ctx.events.sessionEnded(input.id);
      ctx.log.info({ event: 'logout', scope: 'one', user_id: ctx.auth.user.id, session_id: input.id, ip: ctx.ip }, 'audit');
      return { message: 'Session ended' };
    }),

  logoutAll: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/logout-all', tags, summary: 'End all your other sessions' } })
    .input(z.void())
    .output(logoutAllOutput)
    .mutation(async ({ ctx }) => {
      const revoked = await revokeOtherSessions(ctx.db, ctx.auth.user.id, ctx.auth.sessionId);
      if (revoked === null) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session has expired or was ended. Please sign in again.' });
      }
      ctx.events.userChanged(ctx.auth.user.id);
      ctx.log.info({ event: 'logout', scope: 'others', user_id: ctx.auth.user.id, revoked, ip: ctx.ip }, 'audit');
      return { revoked };
    }),

  events: authedProcedure
    .input(z.object({ lastEventId: z.string().max(20).nullish() }).optional())
    .subscription(({ ctx, input, signal }) =>
      streamUserEvents(ctx.db, ctx.events, {
        token: ctx.token!,
        sessionId: ctx.auth.sessionId,
        userId: ctx.auth.user.id,
        lastEventId: input?.lastEventId,
        signal,
      }),
    ),
});
