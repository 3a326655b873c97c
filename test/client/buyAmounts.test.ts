import { describe, expect, it } from 'vitest';
import { formatUnits, formatUnitsShort, readAmountEntry } from '../../client/utils/money';
import { exchangeTermsFrom, limitProblemOf, quoteForAitbc, quoteForBtc } from '../../client/utils/moneyQuote';

const DEFAULT_RATES = {
  btc_to_aitbc_exact: '100000',
  fee_percent_exact: '0.5',
  min_btc_exact: '0.00010000',
  max_btc_exact: '10.00000000',
};
const terms = exchangeTermsFrom(DEFAULT_RATES);

function units(text: string): bigint {
  const entry = readAmountEntry(text);
  if (entry.kind !== 'amount') throw new Error(`not an amount: ${text}`);
  return entry.units;
}

/** The quote for a typed AITBC amount, as exact 8-decimal strings. */
function forAitbc(aitbc: string, onTerms = terms) {
  const quote = quoteForAitbc(onTerms, units(aitbc));
  return { btc: formatUnits(quote.btcUnits), fee: formatUnits(quote.feeUnits), receive: formatUnits(quote.receiveUnits) };
}

describe('reading a typed amount', () => {
  it('reads plain decimals exactly, in base units', () => {
    expect(readAmountEntry('1000')).toEqual({ kind: 'amount', units: 100_000_000_000n });
    expect(readAmountEntry('0.00000001')).toEqual({ kind: 'amount', units: 1n });
    expect(readAmountEntry(' 12.5 ')).toEqual({ kind: 'amount', units: 1_250_000_000n });
  });

  it('accepts the half-typed forms "1.", ".5" and leading zeros', () => {
    expect(readAmountEntry('1.')).toEqual({ kind: 'amount', units: 100_000_000n });
    expect(readAmountEntry('.5')).toEqual({ kind: 'amount', units: 50_000_000n });
    expect(readAmountEntry('007')).toEqual({ kind: 'amount', units: 700_000_000n });
  });

  it('holds amounts above 2^53 base units exactly', () => {
    expect(formatUnits(units('123456789012.12345678'))).toBe('123456789012.12345678');
  });

  it('treats an empty or blank field as empty, not as an error', () => {
    expect(readAmountEntry('')).toEqual({ kind: 'empty' });
    expect(readAmountEntry('   ')).toEqual({ kind: 'empty' });
  });

  it('refuses more than 8 decimal places', () => {
    expect(readAmountEntry('0.000000001')).toEqual({ kind: 'invalid', problem: 'decimals' });
  });

  it('refuses signs, exponents, separators, letters and a lone point', () => {
    for (const text of ['-1', '+1', '1e3', '1,000', '1 000', '1.2.3', 'abc', '0x10', '.', 'Infinity', 'NaN']) {
      expect(readAmountEntry(text), text).toEqual({ kind: 'invalid', problem: 'format' });
    }
  });
});

describe('pricing a purchase at the default terms (100000 AITBC per BTC, 0.5% fee)', () => {
  it('prices 1000 AITBC at 0.01 BTC with a 5 AITBC fee', () => {
    expect(forAitbc('1000')).toEqual({ btc: '0.01000000', fee: '5.00000000', receive: '995.00000000' });
  });

  it('rounds the BTC half-up: exactly half a satoshi goes up', () => {
    expect(forAitbc('1000.0005').btc).toBe('0.01000001');
    expect(forAitbc('0.0005').btc).toBe('0.00000001');
  });

  it('rounds the BTC half-up: just under half a satoshi goes down', () => {
    expect(forAitbc('1000.00049999').btc).toBe('0.01000000');
    expect(forAitbc('0.00049999').btc).toBe('0.00000000');
  });

  it('rounds the fee half-up to 8 decimals', () => {
    // 0.5% of 0.00000001 is 0.00000000005 → 0; of 0.00000100 is exactly 0.000000005 → 0.00000001.
    expect(forAitbc('0.00000001').fee).toBe('0.00000000');
    expect(forAitbc('0.000001').fee).toBe('0.00000001');
    expect(forAitbc('0.00000099').fee).toBe('0.00000000');
    expect(forAitbc('123.45678901')).toEqual({ btc: '0.00123457', fee: '0.61728395', receive: '122.83950506' });
  });

  it('buys exactly btc × rate AITBC for a typed BTC amount', () => {
    const quote = quoteForBtc(terms, units('0.01234567'));
    expect(formatUnits(quote.aitbcUnits)).toBe('1234.56700000');
    expect(formatUnits(quote.btcUnits)).toBe('0.01234567');
  });

  it('shows the other field without trailing zeros', () => {
    expect(formatUnitsShort(quoteForAitbc(terms, units('1000')).btcUnits)).toBe('0.01');
    expect(formatUnitsShort(quoteForBtc(terms, units('10')).aitbcUnits)).toBe('1000000');
  });

  it('checks the BTC amount against min_btc and max_btc, both inclusive', () => {
    expect(limitProblemOf(terms, units('0.00009999'))).toBe('below_min');
    expect(limitProblemOf(terms, units('0.0001'))).toBeNull();
    expect(limitProblemOf(terms, units('10'))).toBeNull();
    expect(limitProblemOf(terms, units('10.00000001'))).toBe('above_max');
  });
});

describe('pricing with a rate that is not a whole number', () => {
  const oddTerms = exchangeTermsFrom({ ...DEFAULT_RATES, btc_to_aitbc_exact: '33333.33333333' });

  it('rounds btc × rate half-up to the AITBC amount', () => {
    // 0.00000002 × 33333.33333333 = 0.0006666666666666 → 0.00066667
    expect(formatUnits(quoteForBtc(oddTerms, 2n).aitbcUnits)).toBe('0.00066667');
  });

  it('recomputes the BTC from that AITBC amount, so the pair passes the server check', () => {
    for (const btc of ['0.0001', '0.00012345', '0.33333333', '1', '9.99999999']) {
      const quote = quoteForBtc(oddTerms, units(btc));
      expect(quoteForAitbc(oddTerms, quote.aitbcUnits).btcUnits, btc).toBe(quote.btcUnits);
    }
  });
});
