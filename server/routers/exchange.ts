import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  confirmPaymentInput,
  createPaymentInput,
  paymentIdInput,
  paymentOutput,
  ratesOutput,
} from '../../shared/schemas/exchange.js';
import { confirmPayment, createPayment, getOwnPayment, simulatePayment } from '../services/payments.js';
import { ratesOutputFor } from '../services/rates.js';
import { isValidWebhookSignature } from '../services/webhookSignature.js';
import { assertOwnUser, authedProcedure, publicProcedure, router } from '../trpc.js';

const tags = ['exchange'];

/**
 * The payment processor's calls carry no session: they are signed instead. Checked before the
 * input is parsed, so an unsigned request learns nothing about the body's validity. The
 * signature covers the raw request body, which only the REST adapter keeps (see rest.ts).
 */
const webhookProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.rawBody == null) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Send the payment webhook to POST /api/exchange/confirm-payment/{payment_id}: its signature covers the raw JSON body.',
    });
  }
  if (!ctx.webhookSignature) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Missing X-Webhook-Signature header: send sha256=<hex HMAC-SHA256 of the raw body with the webhook secret>.',
    });
  }
  if (!isValidWebhookSignature(ctx.config.webhookSecret, ctx.rawBody, ctx.webhookSignature)) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The X-Webhook-Signature does not match the request body.' });
  }
  return next();
});

export const exchangeRouter = router({
  rates: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/exchange/rates', tags, protect: false, summary: 'Exchange rate, fee and purchase limits' } })
    .input(z.void())
    .output(ratesOutput)
    .query(({ ctx }) => ratesOutputFor(ctx.config)),

  createPayment: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/exchange/create-payment', tags, summary: 'Ask to buy AITBC: get a Bitcoin payment request' } })
    .input(createPaymentInput)
    .output(paymentOutput)
    .mutation(({ ctx, input }) => {
      if (input.user_id !== undefined) assertOwnUser(ctx, input.user_id);
      const owner = { userId: ctx.auth.user.id, walletId: ctx.auth.wallet.id };
      return createPayment(ctx.db, ctx.events, ctx.config, owner, { aitbcUnits: input.aitbc_amount, btcUnits: input.btc_amount });
    }),

  paymentStatus: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/exchange/payment-status/{payment_id}', tags, summary: 'One of your payments, as it stands now' } })
    .input(paymentIdInput)
    .output(paymentOutput)
    .query(({ ctx, input }) => getOwnPayment(ctx.db, ctx.events, ctx.auth.user.id, input.payment_id)),

  confirmPayment: webhookProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/exchange/confirm-payment/{payment_id}',
        tags,
        protect: false,
        summary: 'Payment processor webhook (HMAC-signed)',
        description:
          'Header X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw request body with WEBHOOK_SECRET>. ' +
          'Idempotent: a confirmed payment is returned unchanged; an expired one is 409.',
        requestHeaders: z.object({ 'x-webhook-signature': z.string() }),
      },
    })
    .input(confirmPaymentInput)
    .output(paymentOutput)
    .mutation(({ ctx, input }) =>
      confirmPayment(ctx.db, ctx.events, input.payment_id, { txHash: input.tx_hash, confirmations: input.confirmations }),
    ),

  simulatePayment: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/exchange/simulate-payment/{payment_id}', tags, summary: 'Demo mode: play the Bitcoin payment' } })
    .input(paymentIdInput)
    .output(paymentOutput)
    .mutation(({ ctx, input }) => simulatePayment(ctx.db, ctx.events, ctx.config, ctx.auth.user.id, input.payment_id)),
});
