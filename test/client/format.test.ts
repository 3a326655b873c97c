import { describe, expect, it } from 'vitest';
import { formatAitbc, formatAmountExact, formatDate, formatDateTime, shortenAddress } from '../../client/utils/format';

describe('formatAmountExact', () => {
  it('groups the whole part with commas and keeps all 8 decimals', () => {
    expect(formatAmountExact('1234567.50000000')).toBe('1,234,567.50000000');
  });

  it('leaves amounts under a thousand ungrouped', () => {
    expect(formatAmountExact('0.00000001')).toBe('0.00000001');
    expect(formatAmountExact('999.99999999')).toBe('999.99999999');
  });

  it('keeps every digit of a balance above 2^53 base units', () => {
    expect(formatAmountExact('123456789012345.12345678')).toBe('123,456,789,012,345.12345678');
  });

  it('keeps the sign of a negative amount', () => {
    expect(formatAmountExact('-1000.00000000')).toBe('-1,000.00000000');
  });

  it('returns text that is not an exact amount unchanged', () => {
    expect(formatAmountExact('12.5')).toBe('12.5');
  });
});

describe('formatAitbc', () => {
  it('appends the currency', () => {
    expect(formatAitbc('1000.00000000')).toBe('1,000.00000000 AITBC');
  });
});

describe('dates', () => {
  it('formats a member-since date', () => {
    expect(formatDate('2026-12-03T15:45:21.123Z', 'UTC')).toBe('Dec 3, 2026');
  });

  it('formats a transaction date and time in the given time zone', () => {
    expect(formatDateTime('2026-12-03T23:45:21.123Z', 'UTC')).toBe('Dec 3, 2026, 11:45 PM');
    expect(formatDateTime('2026-12-03T23:45:21.123Z', 'Asia/Tokyo')).toBe('Dec 4, 2026, 8:45 AM');
  });
});

describe('shortenAddress', () => {
  it('keeps the start and the end of a long address', () => {
    expect(shortenAddress('aitbc1abcdefghijklmnopqrstuvwxyz234567')).toBe('aitbc1abcd…234567');
  });

  it('leaves a short address whole', () => {
    expect(shortenAddress('aitbc1abcdef')).toBe('aitbc1abcdef');
  });
});
