import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDbTime, toIsoTime } from '../../server/time.js';

describe('toDbTime', () => {
  it('writes the UTC time as toISOString does, with a space and without the Z', () => {
    const from = Date.UTC(1970, 0, 1);
    const to = Date.UTC(2999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (ms) => {
        const date = new Date(ms);
        const iso = date.toISOString();
        expect(toDbTime(date)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`);
        expect(toIsoTime(toDbTime(date))).toBe(iso);
      }),
      { numRuns: 5000 },
    );
  });

  it('pads every field at the edges of a year', () => {
    expect(toDbTime(new Date(Date.UTC(2027, 0, 1, 0, 0, 0, 7)))).toBe('2027-01-01 00:00:00.007');
    expect(toDbTime(new Date(Date.UTC(2026, 11, 31, 23, 59, 59, 999)))).toBe('2026-12-31 23:59:59.999');
  });
});
