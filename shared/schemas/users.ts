import { z } from 'zod';
import { isoTime, uuid } from './common.js';
import { amountExact, amountNumber, positiveAmountInput } from './money.js';

const AITBC_ADDRESS = /^aitbc1[a-z0-9_-]{6,84}$/;
const ETHEREUM_ADDRESS = /^0x[0-9a-f]{40}$/;

/** A wallet address, trimmed and lowercased: `aitbc1…` or a `0x` Ethereum address. */
export const walletAddress = z
  .string()
  .max(200, 'Wallet address is too long')
  // Only ASCII letters are lowered: toLowerCase() would turn the Kelvin sign (U+212A) into "k".
  .transform((value) => value.trim().replace(/[A-Z]/g, (letter) => letter.toLowerCase()))
  .pipe(
    z
      .string()
      .refine((value) => AITBC_ADDRESS.test(value) || ETHEREUM_ADDRESS.test(value), {
        message:
          'Must be an AITBC address (aitbc1 followed by 6 to 84 of a-z, 0-9, _ or -) or a 0x Ethereum address',
      }),
  );

export const userStatus = z.enum(['active', 'inactive', 'suspended']);
export const transactionType = z.enum(['deposit', 'withdrawal', 'purchase', 'sale', 'reward', 'refund']);
export const transactionStatus = z.enum(['pending', 'completed', 'failed', 'cancelled']);

export const loginInput = z.object({
  wallet_address: walletAddress,
  message: z.string().max(4096).optional(),
  signature: z.string().max(1024).optional(),
});

export const loginOutput = z.object({
  user_id: z.string(),
  email: z.string(),
  username: z.string(),
  created_at: isoTime,
  session_token: z.string(),
  expires_at: isoTime,
  wallet_address: z.string(),
  is_new_user: z.boolean(),
});

export const meOutput = z.object({
  user_id: z.string(),
  email: z.string(),
  username: z.string(),
  status: userStatus,
  created_at: isoTime,
  last_login: isoTime.nullable(),
  wallet_address: z.string(),
});

export const userIdInput = z.object({ user_id: uuid });

export const balanceOutput = z.object({
  user_id: z.string(),
  address: z.string(),
  balance: amountNumber,
  balance_exact: amountExact,
  updated_at: isoTime,
});

/**
 * Query numbers arrive as strings over REST and as numbers over tRPC. Only plain digits are
 * accepted ("1e2", "2.5" and "" are refused rather than coerced).
 */
const pageLimit = z
  .union([z.number(), z.string().regex(/^\d{1,4}$/, 'Must be a whole number from 1 to 200')])
  .transform((value) => Number(value))
  .pipe(z.number().int('Must be a whole number from 1 to 200').min(1).max(200));

export const transactionsInput = z.object({
  user_id: uuid,
  limit: pageLimit.optional(),
  // An empty cursor is refused like any other bad cursor, not read as "first page".
  cursor: z.string().min(1, 'The cursor is not valid. Start again without a cursor.').max(200).optional(),
  type: transactionType.optional(),
  status: transactionStatus.optional(),
});

export const transactionOutput = z.object({
  id: z.string(),
  type: transactionType,
  status: transactionStatus,
  amount: amountNumber,
  amount_exact: amountExact,
  fee: amountNumber,
  fee_exact: amountExact,
  description: z.string().nullable(),
  created_at: isoTime,
  confirmed_at: isoTime.nullable(),
});

export const transactionsOutput = z.object({
  user_id: z.string(),
  total: z.number().int(),
  next_cursor: z.string().nullable(),
  transactions: z.array(transactionOutput),
});

export const faucetInput = z.object({
  user_id: uuid,
  amount: positiveAmountInput.optional(),
});

export type LoginOutput = z.infer<typeof loginOutput>;
export type MeOutput = z.infer<typeof meOutput>;
export type BalanceOutput = z.infer<typeof balanceOutput>;
export type TransactionOutput = z.infer<typeof transactionOutput>;
export type TransactionsOutput = z.infer<typeof transactionsOutput>;
export type TransactionType = z.infer<typeof transactionType>;
export type TransactionStatus = z.infer<typeof transactionStatus>;
export type UserStatus = z.infer<typeof userStatus>;

export const challengeInput = z.object({ wallet_address: walletAddress });

export const challengeOutput = z.object({
  wallet_address: z.string(),
  nonce: z.string(),
  message: z.string(),
  issued_at: isoTime,
  expires_at: isoTime,
});

export const sessionOutput = z.object({
  id: z.string(),
  created_at: isoTime,
  last_used_at: isoTime,
  expires_at: isoTime,
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});

export const sessionsOutput = z.object({ sessions: z.array(sessionOutput) });

export const sessionIdInput = z.object({ id: uuid });

export const logoutAllOutput = z.object({ revoked: z.number().int() });

export type ChallengeOutput = z.infer<typeof challengeOutput>;
export type SessionOutput = z.infer<typeof sessionOutput>;
