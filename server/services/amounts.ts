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

/** The contract's pair: `amount` as a JSON number and `amount_exact` with exactly 8 decimals. */
export function amountPair(value: string | number): { number: number; exact: string } {
  const exact = formatAmount(unitsFromDb(value));
  return { number: Number(exact), exact };
}
