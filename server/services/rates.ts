import type { RatesOutput } from '../../shared/schemas/exchange.js';
import { divideRoundHalfUp, formatAmount, parseAmount } from '../../shared/schemas/money.js';
import type { Config } from '../env.js';

/** A plain decimal string as an exact fraction numerator / denominator (a power of ten). */
interface Decimal {
  numerator: bigint;
  denominator: bigint;
}

function decimal(text: string): Decimal {
  const [whole, fraction = ''] = text.split('.');
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

function configUnits(text: string): bigint {
  const units = parseAmount(text);
  if (units === null) throw new Error(`Not an exact decimal: ${text}`);
  return units;
}

/** "0.50000000" → "0.5", "100000.00000000" → "100000". */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * The exchange's terms, all exact: the rate and fee as decimal fractions, limits in base units
 * (1 BTC = 10^8 satoshi, 1 AITBC = 10^8 base units). Built from the configuration.
 */
export interface ExchangeTerms {
  btcToAitbc: Decimal;
  feePercent: Decimal;
  minBtcUnits: bigint;
  maxBtcUnits: bigint;
  texts: Config['exchange'];
}

export function exchangeTerms(config: Pick<Config, 'exchange'>): ExchangeTerms {
  const texts = config.exchange;
  return {
    btcToAitbc: decimal(texts.btcToAitbc),
    feePercent: decimal(texts.feePercent),
    minBtcUnits: configUnits(texts.minBtc),
    maxBtcUnits: configUnits(texts.maxBtc),
    texts,
  };
}

/** BTC owed for an AITBC amount: aitbc / btc_to_aitbc, rounded half-up to 8 decimals. */
export function btcUnitsFor(terms: ExchangeTerms, aitbcUnits: bigint): bigint {
  const rate = terms.btcToAitbc;
  return divideRoundHalfUp(aitbcUnits * rate.denominator, rate.numerator);
}

/** The fee on a purchase: fee_percent of the AITBC amount, rounded half-up to 8 decimals. */
export function feeUnitsFor(terms: ExchangeTerms, aitbcUnits: bigint): bigint {
  const fee = terms.feePercent;
  return divideRoundHalfUp(aitbcUnits * fee.numerator, fee.denominator * 100n);
}

/** The price of one AITBC in BTC, rounded half-up to 8 decimals (display only). */
export function aitbcToBtcText(terms: ExchangeTerms): string {
  return trimDecimal(formatAmount(btcUnitsFor(terms, 10n ** 8n)));
}

export function ratesOutputFor(config: Pick<Config, 'exchange' | 'demoMode' | 'paymentRequiredConfirmations' | 'paymentTimeoutSeconds'>): RatesOutput {
  const terms = exchangeTerms(config);
  const btcToAitbc = trimDecimal(terms.texts.btcToAitbc);
  const aitbcToBtc = aitbcToBtcText(terms);
  const feePercent = trimDecimal(terms.texts.feePercent);
  const minBtc = formatAmount(terms.minBtcUnits);
  const maxBtc = formatAmount(terms.maxBtcUnits);
  return {
    btc_to_aitbc: Number(btcToAitbc),
    aitbc_to_btc: Number(aitbcToBtc),
    fee_percent: Number(feePercent),
    min_btc: Number(minBtc),
    max_btc: Number(maxBtc),
    btc_to_aitbc_exact: btcToAitbc,
    aitbc_to_btc_exact: aitbcToBtc,
    fee_percent_exact: feePercent,
    min_btc_exact: minBtc,
    max_btc_exact: maxBtc,
    required_confirmations: config.paymentRequiredConfirmations,
    payment_timeout_seconds: config.paymentTimeoutSeconds,
    simulation_enabled: config.demoMode,
  };
}
