import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { formatSummary, summariseProfile } from './cpuprofile.js';
import { benchEndpoints } from './endpoints.js';
import { CONNECTIONS } from './measure.js';
import { startServer } from './servers.js';
import { log, prepareDatabase, serverEnv } from './setup.js';

/**
 * `npm run bench:profile`: our server under `node --cpu-prof`, one process per endpoint, loaded
 * at 64 connections; prints where its CPU time went (self time by package and by function),
 * start-up and warm-up left out.
 *
 * Env: as bench/run.ts, plus BENCH_PROFILE_SECONDS (5) and BENCH_ENDPOINTS (a substring of the
 * endpoint names to profile, e.g. "balance").
 */

const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 5);
const only = process.env.BENCH_ENDPOINTS ?? '';

async function main(): Promise<void> {
  const { databaseUrl, data } = await prepareDatabase();
  for (const endpoint of benchEndpoints(data).filter((e) => e.name.includes(only))) {
    const dir = mkdtempSync(join(tmpdir(), 'aitbc-prof-'));
    const spawned = performance.now();
    const server = await startServer('ours', serverEnv(databaseUrl), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    await autocannon({ ...endpoint.load(server.url), connections: CONNECTIONS, amount: 1000 });
    const loadFromMs = performance.now() - spawned;
    const result = await autocannon({ ...endpoint.load(server.url), connections: CONNECTIONS, duration: seconds });
    await server.stop();
    const file = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!);
    log(`${endpoint.name}: ${(result.requests.total / result.duration).toFixed(0)} req/s under the profiler; ${file}`);
    console.log(`\n## ${endpoint.name}: ${result.requests.total} requests\n`);
    console.log(formatSummary(summariseProfile(file, { fromMs: loadFromMs })));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
