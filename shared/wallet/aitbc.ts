import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bech32 } from '@scure/base';

/**
 * AITBC wallet keys (contract, "Wallet ownership"): the address is bech32 with HRP `aitbc` of
 * RIPEMD-160(SHA-256(33-byte compressed secp256k1 public key)); a signature is the hex of
 * r‖s‖v (65 bytes, low-S, v 0/1, 27/28 accepted) of ECDSA over SHA-256 of the UTF-8 message.
 * Used by the server to verify and by the browser's demo wallet to sign.
 */
export const AITBC_HRP = 'aitbc';

export function aitbcAddressFromPublicKey(compressedPublicKey: Uint8Array): string {
  return bech32.encode(AITBC_HRP, bech32.toWords(ripemd160(sha256(compressedPublicKey))));
}

export function aitbcAddressFromSecretKey(secretKey: Uint8Array): string {
  return aitbcAddressFromPublicKey(secp256k1.getPublicKey(secretKey, true));
}

export function newAitbcSecretKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

export function signAitbcMessage(message: string, secretKey: Uint8Array): string {
  const recovered = secp256k1.sign(new TextEncoder().encode(message), secretKey, { format: 'recovered' });
  // noble puts the recovery byte first; the contract wants it last.
  return bytesToHex(recovered.slice(1)) + bytesToHex(recovered.slice(0, 1));
}

export type SignatureCheck = { ok: true; address: string } | { ok: false; reason: string };

/** Recovers the signer's address from a contract-format signature, or says why it cannot. */
export function recoverAitbcAddress(message: string, signatureHex: string): SignatureCheck {
  const hex = signatureHex.startsWith('0x') ? signatureHex.slice(2) : signatureHex;
  if (!/^[0-9a-fA-F]{130}$/.test(hex)) {
    return { ok: false, reason: 'The signature must be 65 bytes of hex (r‖s‖v).' };
  }
  const bytes = hexToBytes(hex.toLowerCase());
  const v = bytes[64] >= 27 ? bytes[64] - 27 : bytes[64];
  if (v !== 0 && v !== 1) return { ok: false, reason: 'The signature recovery byte v must be 0, 1, 27 or 28.' };
  try {
    const signature = secp256k1.Signature.fromBytes(bytes.slice(0, 64), 'compact');
    if (signature.hasHighS()) return { ok: false, reason: 'The signature must use low-S form.' };
    const recovered = new Uint8Array(65);
    recovered[0] = v;
    recovered.set(bytes.slice(0, 64), 1);
    const publicKey = secp256k1.recoverPublicKey(recovered, new TextEncoder().encode(message));
    return { ok: true, address: aitbcAddressFromPublicKey(publicKey) };
  } catch {
    return { ok: false, reason: 'The signature is not a valid secp256k1 signature.' };
  }
}
