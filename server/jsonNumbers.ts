/**
 * JSON numbers become binary doubles in JSON.parse, so 0.1000000000000000055 silently turns
 * into 0.1. To keep amounts exact from the request to the database, every number literal in a
 * request body that a double cannot hold exactly is turned into a string before parsing: the
 * zod schemas then see the caller's exact text and refuse it (too many decimals, not a whole
 * number …) instead of a rounded value.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A decimal literal as (sign, digits without leading/trailing zeros, power of ten). */
function canonical(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return literal;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  return `${sign}${digits}e${power}`;
}

function isExactAsDouble(literal: string): boolean {
  const value = Number(literal);
  return Number.isFinite(value) && canonical(String(value)) === canonical(literal);
}

/** Returns `text` (valid JSON) with every number literal a double cannot hold exactly quoted. */
export function quoteInexactNumbers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    if (char !== '-' && (char < '0' || char > '9')) continue;
    NUMBER.lastIndex = i;
    const literal = NUMBER.exec(text)?.[0];
    if (!literal) continue;
    if (!isExactAsDouble(literal)) {
      out += `${text.slice(copiedUpTo, i)}"${literal}"`;
      copiedUpTo = i + literal.length;
    }
    i += literal.length - 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
