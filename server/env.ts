import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseAmount } from '../shared/schemas/money.js';

const booleanText = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const rateLimitText = z
  .string()
  .regex(/^(0|\d+\/\d+)$/, 'must be "count/seconds" (for example 30/300) or 0 to turn it off')
  .transform((v) => {
    if (v === '0') return null;
    const [points, seconds] = v.split('/').map(Number);
    return { points, seconds };
  });

/** Exchange rates and limits are exact decimals (at most 8 places), never parsed as floats. */
const decimalText = z.string().regex(/^(0|[1-9]\d*)(\.\d{1,8})?$/, 'must be a plain decimal with at most 8 decimal places');

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|mysql:\/\/.+)$/, 'must be sqlite:<path>, sqlite::memory: or mysql://user:pass@host:port/db')
    .default('sqlite:data/aitbc.sqlite'),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(1).default(86400),
  DEMO_MODE: booleanText.optional(),
  PUBLIC_ORIGIN: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  REDIS_URL: z.string().optional(),
  SIGNIN_LIMIT_PER_IP: rateLimitText.prefault('30/300'),
  SIGNIN_LIMIT_PER_ADDRESS: rateLimitText.prefault('10/300'),
  TRUST_PROXY: booleanText.default(false),
  PAYMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(3600),
  BTC_PAYMENT_ADDRESS: z.string().min(14).max(90).optional(),
  PAYMENT_REQUIRED_CONFIRMATIONS: z.coerce.number().int().min(1).max(100).default(3),
  EXCHANGE_BTC_TO_AITBC: decimalText.default('100000'),
  EXCHANGE_FEE_PERCENT: decimalText.default('0.5'),
  EXCHANGE_MIN_BTC: decimalText.default('0.0001'),
  EXCHANGE_MAX_BTC: decimalText.default('10'),
});

export type Config = ReturnType<typeof parseConfig>;

function checkExchangeSettings(e: z.infer<typeof envSchema>): void {
  const units = (text: string) => parseAmount(text) ?? 0n;
  if (units(e.EXCHANGE_BTC_TO_AITBC) <= 0n) throw new Error('Invalid configuration: EXCHANGE_BTC_TO_AITBC must be greater than 0');
  if (units(e.EXCHANGE_FEE_PERCENT) >= 100n * 10n ** 8n) throw new Error('Invalid configuration: EXCHANGE_FEE_PERCENT must be below 100');
  if (units(e.EXCHANGE_MIN_BTC) <= 0n) throw new Error('Invalid configuration: EXCHANGE_MIN_BTC must be greater than 0');
  if (units(e.EXCHANGE_MAX_BTC) < units(e.EXCHANGE_MIN_BTC)) throw new Error('Invalid configuration: EXCHANGE_MAX_BTC must not be below EXCHANGE_MIN_BTC');
}

/** Reads the environment once; throws an Error naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env) {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = envSchema.safeParse(blankAsUnset);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = result.data;
  const demoMode = e.DEMO_MODE ?? e.NODE_ENV !== 'production';
  if (!demoMode && !e.WEBHOOK_SECRET) throw new Error('Invalid configuration: WEBHOOK_SECRET is required when DEMO_MODE=false');
  if (!demoMode && !e.BTC_PAYMENT_ADDRESS) throw new Error('Invalid configuration: BTC_PAYMENT_ADDRESS is required when DEMO_MODE=false');
  checkExchangeSettings(e);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    demoMode,
    publicOrigin: (e.PUBLIC_ORIGIN ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    webhookSecret: e.WEBHOOK_SECRET ?? randomBytes(32).toString('hex'),
    redisUrl: e.REDIS_URL,
    signinLimitPerIp: e.SIGNIN_LIMIT_PER_IP,
    signinLimitPerAddress: e.SIGNIN_LIMIT_PER_ADDRESS,
    trustProxy: e.TRUST_PROXY,
    paymentTimeoutSeconds: e.PAYMENT_TIMEOUT_SECONDS,
    btcPaymentAddress: e.BTC_PAYMENT_ADDRESS ?? 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
    paymentRequiredConfirmations: e.PAYMENT_REQUIRED_CONFIRMATIONS,
    /** Exact decimal strings; see server/services/rates.ts. */
    exchange: {
      btcToAitbc: e.EXCHANGE_BTC_TO_AITBC,
      feePercent: e.EXCHANGE_FEE_PERCENT,
      minBtc: e.EXCHANGE_MIN_BTC,
      maxBtc: e.EXCHANGE_MAX_BTC,
    },
  };
}
