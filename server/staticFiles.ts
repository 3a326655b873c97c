import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Sends `relativePath` from `root` if it is a file inside it; false otherwise. */
export function sendStaticFile(res: ServerResponse, root: string, relativePath: string, cacheControl: string): boolean {
  const target = normalize(join(root, relativePath));
  if (target !== root && !target.startsWith(root + sep)) return false;
  if (!existsSync(target)) return false;
  const stats = statSync(target);
  if (!stats.isFile()) return false;
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[extname(target)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', stats.size);
  res.setHeader('Cache-Control', cacheControl);
  createReadStream(target).pipe(res);
  return true;
}
