/**
 * Display formatting. Amounts are formatted from the server's exact decimal strings
 * ("1000.00000000") by string operations only: no floating point touches a balance.
 */

const EXACT_AMOUNT = /^(-?)(\d+)\.(\d{8})$/;

/** "1234567.50000000" → "1,234,567.50000000" (the exact digits, grouped). */
export function formatAmountExact(exact: string): string {
  const match = EXACT_AMOUNT.exec(exact);
  if (!match) return exact;
  const [, sign, whole, fraction] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${fraction}`;
}

/** "1000.00000000" → "1,000.00000000 AITBC". */
export function formatAitbc(exact: string): string {
  return `${formatAmountExact(exact)} AITBC`;
}

/** A calendar date such as "Dec 3, 2026", in the viewer's time zone unless one is given. */
export function formatDate(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

/** A date and time such as "Dec 3, 2026, 3:45 PM", in the viewer's time zone unless one is given. */
export function formatDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** "aitbc1abcdefghijklmnop" → "aitbc1abcd…mnop" for tight spaces. */
export function shortenAddress(address: string, head = 10, tail = 6): string {
  return address.length <= head + tail + 1 ? address : `${address.slice(0, head)}…${address.slice(-tail)}`;
}
