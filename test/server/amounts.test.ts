import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../shared/schemas/money.js';
import { amountPair, unitsFromDb } from '../../server/services/amounts.js';

/** The pair by definition: through base units, whatever form the database returned. */
function pairThroughUnits(value: string | number) {
  const exact = formatAmount(unitsFromDb(value));
  return { number: Number(exact), exact };
}

describe('amountPair', () => {
  it('returns a stored canonical amount as it is, with its nearest number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (units) => {
        const stored = formatAmount(units);
        expect(amountPair(stored)).toEqual({ number: Number(stored), exact: stored });
      }),
    );
  });

  it('normalises any other plain decimal or number exactly as base units would', () => {
    const decimalText = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String), fc.stringMatching(/^\d{0,8}$/))
      .map(([whole, fraction]) => (fraction ? `${whole}.${fraction}` : whole));
    fc.assert(
      fc.property(fc.oneof(decimalText, fc.integer({ min: 0, max: 2 ** 40 })), (value) => {
        expect(amountPair(value)).toEqual(pairThroughUnits(value));
      }),
    );
  });

  it('keeps refusing what is not an exact stored amount', () => {
    for (const value of ['-1.00000000', '1e5', '1.000000001', 'abc', '']) {
      expect(() => amountPair(value)).toThrow(/not an exact decimal/);
    }
  });
});
