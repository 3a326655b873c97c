import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startNodeArgs } from '../scripts/serverBuild.js';

export type ServerKind = 'ours' | 'reference';

/**
 * Ours: the node command that ends `npm start` (its flags and dist/server/index.js, built first),
 * spawned directly so the measured pid is the server's own. The reference runs from source.
 */
function commandOf(kind: ServerKind, nodeArgs: string[]): string[] {
  if (kind === 'reference') return [...nodeArgs, '--import', 'tsx', 'bench/reference.ts'];
  return [...nodeArgs, ...startNodeArgs()];
}

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  coldStartMs: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

function stopper(child: ChildProcess, exited: Promise<void>) {
  return async () => {
    // Requests still in flight when the load generator stopped finish first (no aborted queries in the log).
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killTimer);
  };
}

/**
 * Spawns the server (node [nodeArgs] …) with the benchmark's environment and waits until /healthz
 * answers 200, polling every 10 ms so the cold start is measured closely.
 */
export async function startServer(
  kind: ServerKind,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<RunningServer> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, commandOf(kind, nodeArgs), {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stderr.write(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  while (performance.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`${kind} server exited at start (code ${child.exitCode}): ${stderr}`);
    if (await isHealthy(url)) {
      return { kind, pid: child.pid!, url, coldStartMs: performance.now() - started, stop: stopper(child, exited) };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  throw new Error(`${kind} server did not become healthy within 30 s: ${stderr}`);
}
