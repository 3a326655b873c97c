import { z } from 'zod';
import { isoTime, uuid } from './common.js';
import { amountExact, amountNumber, positiveAmountInput } from './money.js';

export const paymentStatus = z.enum(['pending', 'confirmed', 'expired']);

/**
 * The exchange's terms. Numbers for display; `*_exact` decimal strings for exact arithmetic
 * on the client (linked BTC/AITBC inputs must agree with the server's check to the unit).
 */
export const ratesOutput = z.object({
  btc_to_aitbc: z.number(),
  aitbc_to_btc: z.number(),
  fee_percent: z.number(),
  min_btc: z.number(),
  max_btc: z.number(),
  btc_to_aitbc_exact: z.string(),
  aitbc_to_btc_exact: z.string(),
  fee_percent_exact: z.string(),
  min_btc_exact: amountExact,
  max_btc_exact: amountExact,
  required_confirmations: z.number().int(),
  payment_timeout_seconds: z.number().int(),
  /** True when `exchange.simulatePayment` is available (demo mode). */
  simulation_enabled: z.boolean(),
});

export const createPaymentInput = z.object({
  aitbc_amount: positiveAmountInput,
  btc_amount: positiveAmountInput,
  user_id: uuid.optional(),
});

export const paymentIdInput = z.object({ payment_id: uuid });

/** A Bitcoin transaction id as the payment processor reports it (64 hex for real ones). */
export const txHash = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,128}$/, 'Must be 1 to 128 letters, digits, _ - : or . (a Bitcoin txid is 64 hex digits)')
  // One Bitcoin transaction, however it is spelled: hex is case-insensitive on every database.
  .transform((value) => value.toLowerCase());

/**
 * A JSON number only. The `.transform` makes it a pipe, which trpc-to-openapi leaves alone:
 * it would otherwise coerce a plain z.number() and accept "3", "", true or null as counts.
 */
const confirmationCount = z
  .number()
  .int('Must be a whole number')
  .min(0)
  .max(1_000_000)
  .transform((count) => count);

export const confirmPaymentInput = z.object({
  payment_id: uuid,
  tx_hash: txHash,
  confirmations: confirmationCount,
});

export const paymentOutput = z.object({
  payment_id: z.string(),
  user_id: z.string(),
  transaction_id: z.string(),
  aitbc_amount: amountNumber,
  aitbc_amount_exact: amountExact,
  btc_amount: amountNumber,
  btc_amount_exact: amountExact,
  /** The fee quoted when the payment was created; the wallet gets `aitbc_amount − fee`. */
  fee: amountNumber,
  fee_exact: amountExact,
  payment_address: z.string(),
  payment_uri: z.string(),
  status: paymentStatus,
  confirmations: z.number().int(),
  required_confirmations: z.number().int(),
  tx_hash: z.string().nullable(),
  created_at: isoTime,
  expires_at: isoTime,
  confirmed_at: isoTime.nullable(),
});

export type RatesOutput = z.infer<typeof ratesOutput>;
export type PaymentOutput = z.infer<typeof paymentOutput>;
export type PaymentStatus = z.infer<typeof paymentStatus>;
