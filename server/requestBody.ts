import type { IncomingMessage } from 'node:http';
import { quoteInexactNumbers } from './jsonNumbers.js';

export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; status: 413 };

/** Reads a request body of at most 64 KiB; stops reading (413) past that. */
export async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413 };
    chunks.push(chunk);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

/** JSON.parse that keeps numbers a double cannot hold exactly as their text (see jsonNumbers.ts). */
export function parseJsonExactly(text: string): unknown {
  const parsed: unknown = JSON.parse(text); // throws on malformed JSON before the text is rewritten
  const quoted = quoteInexactNumbers(text);
  return quoted === text ? parsed : JSON.parse(quoted);
}
