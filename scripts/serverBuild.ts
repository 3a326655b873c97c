import { readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * The server as `npm start` runs it: every file of server/, shared/ and migrations/ compiled to
 * JavaScript one for one (no bundle, so migrations stay separate files), under `outdir`.
 */
export async function buildServer(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: ['server/**/*.ts', 'shared/**/*.ts', 'migrations/*.ts'],
    outdir,
    outbase: '.',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/**
 * Node's arguments in package.json's `start` script after the build: its flags, then
 * dist/server/index.js. The script runs node with `exec`, so that the signal a supervisor sends
 * to `npm start` reaches the server itself rather than the shell in between.
 */
export function startNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const [program, ...args] = scripts.start.split('&&').at(-1)!.trim().replace(/^exec\s+/, '').split(/\s+/);
  if (program !== 'node') throw new Error(`package.json's start script must end with a node command: ${scripts.start}`);
  return args;
}

// `npm run build:server`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildServer('dist');
