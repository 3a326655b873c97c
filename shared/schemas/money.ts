import { z } from 'zod';

/** Every amount is held as an integer count of base units: 1 AITBC = 10^8 base units. */
export const DECIMALS = 8;
const BASE = 10n ** BigInt(DECIMALS);
const PLAIN_DECIMAL = /^(0|[1-9]\d*)(\.\d{1,8})?$/;

/** Parses a plain decimal string ("12.5", "0.00000001") into base units; null if it is not one. */
export function parseAmount(text: string): bigint | null {
  if (!PLAIN_DECIMAL.test(text)) return null;
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole) * BASE + BigInt(fraction.padEnd(DECIMALS, '0'));
}

/** Formats base units as a decimal string with exactly 8 decimals ("0.30000000"). */
export function formatAmount(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / BASE}.${(abs % BASE).toString().padStart(DECIMALS, '0')}`;
}

/**
 * The decimal a JSON number stands for, as its shortest round-trip text. Exponent forms are
 * expanded so that 1e-7 reads as "0.0000001" and 1e21 as "1000000000000000000000".
 */
function numberToDecimalText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  const text = String(value);
  if (!/e/i.test(text)) return text;
  if (Number.isInteger(value)) return BigInt(value).toString();
  const fixed = value.toFixed(DECIMALS).replace(/\.?0+$/, '');
  return Number(fixed) === value ? fixed : null;
}

/** Multiplies base units by a rate given as a decimal string, rounding half-up to base units. */
export function multiplyRoundHalfUp(units: bigint, rate: string): bigint {
  const [whole, fraction = ''] = rate.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const numerator = units * BigInt(whole + fraction);
  return divideRoundHalfUp(numerator, scale);
}

/** Integer division of non-negative values, rounding half-up. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/**
 * An amount as a request carries it: a JSON number or a plain decimal string, positive, with at
 * most 8 decimals. Parsed to base units (bigint) without passing through floating point.
 */
export const positiveAmountInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const text = typeof value === 'number' ? numberToDecimalText(value) : value;
    const units = text === null ? null : parseAmount(text);
    if (units === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'Must be a plain decimal number with at most 8 decimal places (for example 12.5)',
      });
      return z.NEVER;
    }
    if (units <= 0n) {
      ctx.addIssue({ code: 'custom', message: 'Must be greater than zero' });
      return z.NEVER;
    }
    return units;
  });

/** Response side: an amount as a JSON number (nearest double) and as an exact 8-decimal string. */
export const amountNumber = z.number();
export const amountExact = z.string().regex(/^-?\d+\.\d{8}$/);
