import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json. The server runs from its sources (tests, `tsx`) and from the
 * compiled copy in dist/ (`npm start`), one folder deeper, so paths start from here.
 */
function findProjectRoot(from: string): string {
  let folder = from;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`No package.json above ${from}`);
    folder = parent;
  }
  return folder;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
