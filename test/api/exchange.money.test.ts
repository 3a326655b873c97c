import { describe, expect, it } from 'vitest';
import { createPaymentInput } from '../../shared/schemas/exchange.js';
import { formatAmount, parseAmount } from '../../shared/schemas/money.js';
import { parseConfig } from '../../server/env.js';
import { btcUnitsFor, exchangeTerms, feeUnitsFor, ratesOutputFor } from '../../server/services/rates.js';

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUnits(next: () => number, maxDigits: number): bigint {
  const digits = 1 + Math.floor(next() * maxDigits);
  let text = '';
  for (let i = 0; i < digits; i++) text += Math.floor(next() * 10);
  return BigInt(text);
}

/**
 * Reference rounding on decimal text: shift the point `places` digits left, keep 8 decimals,
 * round half-up on the first dropped digit. Independent of the BigInt division in rates.ts.
 */
function shiftRoundHalfUp(units: bigint, places: number): bigint {
  const text = units.toString().padStart(places + 1, '0');
  const kept = BigInt(text.slice(0, text.length - places));
  return text[text.length - places] >= '5' ? kept + 1n : kept;
}

const defaults = exchangeTerms(parseConfig({}));

describe('exchange arithmetic (exact, half-up)', () => {
  it('prices AITBC in BTC like a decimal shift by 5 places, rounded half-up, for 5000 random amounts', () => {
    const next = random(20261203);
    for (let i = 0; i < 5000; i++) {
      const aitbc = randomUnits(next, 24);
      expect(btcUnitsFor(defaults, aitbc), `aitbc ${formatAmount(aitbc)}`).toBe(shiftRoundHalfUp(aitbc, 5));
    }
  });

  it('takes 0.5% fees like a decimal shift by 3 places of 5×amount, rounded half-up, for 5000 random amounts', () => {
    const next = random(42);
    for (let i = 0; i < 5000; i++) {
      const aitbc = randomUnits(next, 24);
      expect(feeUnitsFor(defaults, aitbc), `aitbc ${formatAmount(aitbc)}`).toBe(shiftRoundHalfUp(aitbc * 5n, 3));
    }
  });

  it.each([
    ['1', '0.00500000'],
    // 0.00000001 × 0.005 = 0.00000000005: under half a unit, rounds to zero.
    ['0.00000001', '0.00000000'],
    // 0.000001 × 0.005 = 0.000000005: exactly half a unit, rounds up.
    ['0.000001', '0.00000001'],
    ['0.00000099', '0.00000000'],
    ['0.00000100', '0.00000001'],
    ['0.00000300', '0.00000002'],
    ['33.3333333', '0.16666667'],
    ['1000', '5.00000000'],
    // Far above 2^53 base units: still exact.
    ['123456789012345678.99999999', '617283945061728.39500000'],
  ])('charges a fee on %s AITBC of %s', (aitbc, fee) => {
    expect(formatAmount(feeUnitsFor(defaults, parseAmount(aitbc)!))).toBe(fee);
  });

  it('never charges more than the amount, so a credit is never negative', () => {
    const next = random(7);
    const steep = exchangeTerms(parseConfig({ EXCHANGE_FEE_PERCENT: '99.99999999' }));
    for (let i = 0; i < 2000; i++) {
      const aitbc = randomUnits(next, 12) + 1n;
      expect(feeUnitsFor(steep, aitbc) <= aitbc).toBe(true);
      expect(feeUnitsFor(defaults, aitbc) <= aitbc).toBe(true);
    }
  });

  it('handles a rate that does not divide evenly (3 AITBC per BTC)', () => {
    const terms = exchangeTerms(parseConfig({ EXCHANGE_BTC_TO_AITBC: '3' }));
    expect(formatAmount(btcUnitsFor(terms, parseAmount('1')!))).toBe('0.33333333');
    expect(formatAmount(btcUnitsFor(terms, parseAmount('2')!))).toBe('0.66666667');
    // 0.00000001 / 3 = 0.0000000033…: rounds to zero; 0.00000002 / 3 = 0.0000000066…: rounds up.
    expect(btcUnitsFor(terms, 1n)).toBe(0n);
    expect(btcUnitsFor(terms, 2n)).toBe(1n);
    expect(ratesOutputFor(parseConfig({ EXCHANGE_BTC_TO_AITBC: '3' })).aitbc_to_btc_exact).toBe('0.33333333');
  });

  it('handles a fractional rate and fee exactly (12345.6789 AITBC per BTC, 0.25%)', () => {
    const terms = exchangeTerms(parseConfig({ EXCHANGE_BTC_TO_AITBC: '12345.6789', EXCHANGE_FEE_PERCENT: '0.25' }));
    // 1000 / 12345.6789 = 0.0810000007…
    expect(formatAmount(btcUnitsFor(terms, parseAmount('1000')!))).toBe('0.08100000');
    expect(formatAmount(feeUnitsFor(terms, parseAmount('1000')!))).toBe('2.50000000');
    // 0.000002 × 0.0025 = 0.000000005: exactly half, rounds up.
    expect(feeUnitsFor(terms, 200n)).toBe(1n);
  });

  it('refuses a float sum that is not the decimal it looks like (0.1 + 0.2)', () => {
    const result = createPaymentInput.safeParse({ aitbc_amount: 0.1 + 0.2, btc_amount: 0.000003 });
    expect(result.success).toBe(false);
  });

  it('parses JSON numbers and strings to the same base units', () => {
    const fromNumber = createPaymentInput.parse({ aitbc_amount: 1234.5678, btc_amount: 0.01234568 });
    const fromString = createPaymentInput.parse({ aitbc_amount: '1234.5678', btc_amount: '0.01234568' });
    expect(fromNumber).toEqual(fromString);
    expect(fromNumber.aitbc_amount).toBe(123456780000n);
  });

  it('refuses exchange settings that are not exact decimals or out of range', () => {
    expect(() => parseConfig({ EXCHANGE_BTC_TO_AITBC: '1e5' })).toThrow(/EXCHANGE_BTC_TO_AITBC/);
    expect(() => parseConfig({ EXCHANGE_BTC_TO_AITBC: '0' })).toThrow(/EXCHANGE_BTC_TO_AITBC/);
    expect(() => parseConfig({ EXCHANGE_FEE_PERCENT: '100' })).toThrow(/EXCHANGE_FEE_PERCENT/);
    expect(() => parseConfig({ EXCHANGE_MIN_BTC: '0.000000001' })).toThrow(/EXCHANGE_MIN_BTC/);
    expect(() => parseConfig({ EXCHANGE_MIN_BTC: '2', EXCHANGE_MAX_BTC: '1' })).toThrow(/EXCHANGE_MAX_BTC/);
    expect(() => parseConfig({ PAYMENT_REQUIRED_CONFIRMATIONS: '0' })).toThrow(/PAYMENT_REQUIRED_CONFIRMATIONS/);
  });
});
