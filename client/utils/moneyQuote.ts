import {
  decimalFraction,
  divideByRoundHalfUp,
  multiplyRoundHalfUp,
  percentRoundHalfUp,
  unitsFromExact,
  type DecimalFraction,
} from './money';

/** The exchange's terms as exact values, read from the `*_exact` fields of exchange.rates. */
export interface ExchangeTerms {
  /** AITBC per BTC. */
  btcToAitbc: DecimalFraction;
  feePercent: DecimalFraction;
  minBtcUnits: bigint;
  maxBtcUnits: bigint;
}

export interface RatesExact {
  btc_to_aitbc_exact: string;
  fee_percent_exact: string;
  min_btc_exact: string;
  max_btc_exact: string;
}

export function exchangeTermsFrom(rates: RatesExact): ExchangeTerms {
  return {
    btcToAitbc: decimalFraction(rates.btc_to_aitbc_exact),
    feePercent: decimalFraction(rates.fee_percent_exact),
    minBtcUnits: unitsFromExact(rates.min_btc_exact),
    maxBtcUnits: unitsFromExact(rates.max_btc_exact),
  };
}

/** A purchase as the server will price it; every field in base units. */
export interface PurchaseQuote {
  aitbcUnits: bigint;
  btcUnits: bigint;
  /** fee_percent of the AITBC amount, half-up. */
  feeUnits: bigint;
  /** What the wallet is credited: aitbc − fee. */
  receiveUnits: bigint;
}

/** BTC owed for an AITBC amount: aitbc / btc_to_aitbc, half-up to 8 decimals (the server's check). */
export function btcUnitsForAitbc(terms: ExchangeTerms, aitbcUnits: bigint): bigint {
  return divideByRoundHalfUp(aitbcUnits, terms.btcToAitbc);
}

/** AITBC a BTC amount buys: btc × btc_to_aitbc, half-up to 8 decimals. */
export function aitbcUnitsForBtc(terms: ExchangeTerms, btcUnits: bigint): bigint {
  return multiplyRoundHalfUp(btcUnits, terms.btcToAitbc);
}

export function feeUnitsFor(terms: ExchangeTerms, aitbcUnits: bigint): bigint {
  return percentRoundHalfUp(aitbcUnits, terms.feePercent);
}

/** The purchase of exactly `aitbcUnits` AITBC. */
export function quoteForAitbc(terms: ExchangeTerms, aitbcUnits: bigint): PurchaseQuote {
  const feeUnits = feeUnitsFor(terms, aitbcUnits);
  return { aitbcUnits, btcUnits: btcUnitsForAitbc(terms, aitbcUnits), feeUnits, receiveUnits: aitbcUnits - feeUnits };
}

/**
 * The purchase for a typed BTC amount: the AITBC it buys, then the BTC recomputed from that
 * AITBC. With a rate that is not a whole number the two BTC amounts can differ by a satoshi;
 * the recomputed one is what the server's check expects, so that is the one the quote carries.
 */
export function quoteForBtc(terms: ExchangeTerms, btcUnits: bigint): PurchaseQuote {
  return quoteForAitbc(terms, aitbcUnitsForBtc(terms, btcUnits));
}

export type LimitProblem = 'below_min' | 'above_max';

/** Whether the BTC amount is outside the exchange's min_btc..max_btc. */
export function limitProblemOf(terms: ExchangeTerms, btcUnits: bigint): LimitProblem | null {
  if (btcUnits < terms.minBtcUnits) return 'below_min';
  if (btcUnits > terms.maxBtcUnits) return 'above_max';
  return null;
}
