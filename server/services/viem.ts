import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * viem, loaded on the first Ethereum (0x) sign-in rather than at start: it adds about 25 MB and
 * most of a second to every start, and AITBC wallets never need it.
 */
export function viemUtils(): typeof import('viem/utils') {
  return require('viem/utils');
}

export function viemSiwe(): typeof import('viem/siwe') {
  return require('viem/siwe');
}
