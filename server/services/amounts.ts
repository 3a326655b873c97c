import { formatAmount, parseAmount } from '../../shared/schemas/money.js';

/** An amount as the database returns it (MySQL DECIMAL text or SQLite TEXT) → base units. */
export function unitsFromDb(value: string | number): bigint {
  const units = parseAmount(String(value));
  if (units === null) throw new Error(`Stored amount is not an exact decimal: ${String(value)}`);
  return units;
}

/** Base units → what the database stores: canonical text with 8 decimals on both dialects. */
export function unitsToDb(units: bigint): string {
  return formatAmount(units);
}

/** What both dialects return for a stored amount: no sign, no leading zeros, exactly 8 decimals. */
const CANONICAL_TEXT = /^(?:0|[1-9]\d*)\.\d{8}$/;

/** The contract's pair: `amount` as a JSON number and `amount_exact` with exactly 8 decimals. */
export function amountPair(value: string | number): { number: number; exact: string } {
  // Stored amounts are canonical text already (history pages turn 100 of them a request): only
  // anything else goes through base units.
  const exact = typeof value === 'string' && CANONICAL_TEXT.test(value) ? value : formatAmount(unitsFromDb(value));
  return { number: Number(exact), exact };
}
