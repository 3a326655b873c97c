/**
 * Exact amount arithmetic for the client. Amounts are bigint base units (1 AITBC or 1 BTC =
 * 10^8 units), rates are decimal fractions, and rounding is half-up to whole units — the same
 * rules as the server's shared/schemas/money.ts, without its zod schemas (which would add zod
 * to the bundle). No floating-point number ever holds an amount here.
 */

export const DECIMALS = 8;
export const UNITS_PER_COIN = 10n ** BigInt(DECIMALS);

/** A decimal such as "100000" or "0.5" as numerator / denominator (a power of ten). */
export interface DecimalFraction {
  numerator: bigint;
  denominator: bigint;
}

const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

/** "0.5" → { numerator: 5n, denominator: 10n }. Throws on anything but a plain decimal. */
export function decimalFraction(text: string): DecimalFraction {
  if (!PLAIN_DECIMAL.test(text)) throw new Error(`Not a plain decimal: ${text}`);
  const [whole, fraction = ''] = text.split('.');
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** Integer division of non-negative values, rounding half-up. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** units × factor, rounded half-up to whole units. */
export function multiplyRoundHalfUp(units: bigint, factor: DecimalFraction): bigint {
  return divideRoundHalfUp(units * factor.numerator, factor.denominator);
}

/** units ÷ divisor, rounded half-up to whole units. */
export function divideByRoundHalfUp(units: bigint, divisor: DecimalFraction): bigint {
  return divideRoundHalfUp(units * divisor.denominator, divisor.numerator);
}

/** percent % of units, rounded half-up to whole units. */
export function percentRoundHalfUp(units: bigint, percent: DecimalFraction): bigint {
  return divideRoundHalfUp(units * percent.numerator, percent.denominator * 100n);
}

/** Base units as a decimal string with exactly 8 decimals: 1000000n → "0.01000000". */
export function formatUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / UNITS_PER_COIN}.${(abs % UNITS_PER_COIN).toString().padStart(DECIMALS, '0')}`;
}

/** Without trailing zeros, as a person would type it: "0.01000000" → "0.01", "5.00000000" → "5". */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Base units as the shortest exact decimal: 1000000n → "0.01". */
export function formatUnitsShort(units: bigint): string {
  return trimDecimal(formatUnits(units));
}

/** Exact 8-decimal text from the server ("12.50000000") → base units. */
export function unitsFromExact(exact: string): bigint {
  const [whole, fraction = ''] = exact.split('.');
  return BigInt(whole) * UNITS_PER_COIN + BigInt(fraction.padEnd(DECIMALS, '0'));
}

/** What the user typed into an amount field, read exactly. */
export type AmountEntry =
  | { kind: 'empty' }
  | { kind: 'invalid'; problem: 'format' | 'decimals' }
  | { kind: 'amount'; units: bigint };

/** Digits with one optional decimal point; "1.", ".5" and leading zeros are fine while typing. */
const TYPED_DECIMAL = /^(\d*)(?:\.(\d*))?$/;

/**
 * Reads a typed amount: surrounding spaces ignored, at most 8 decimal places, nothing but digits
 * and one decimal point (no signs, exponents, grouping commas or other separators).
 */
export function readAmountEntry(typed: string): AmountEntry {
  const text = typed.trim();
  if (text === '') return { kind: 'empty' };
  const match = TYPED_DECIMAL.exec(text);
  if (!match || text === '.') return { kind: 'invalid', problem: 'format' };
  const [, whole, fraction = ''] = match;
  if (fraction.length > DECIMALS) return { kind: 'invalid', problem: 'decimals' };
  const units = BigInt(whole || '0') * UNITS_PER_COIN + BigInt(fraction.padEnd(DECIMALS, '0'));
  return { kind: 'amount', units };
}
