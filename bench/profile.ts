import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { formatSummary, summariseProfile } from './cpuprofile.js';
import { benchEndpoints } from './endpoints.js';
import { CONNECTIONS } from './measure.js';
import { buildServer } from '../scripts/serverBuild.js';
import { startServer, type ServerKind } from './servers.js';
import { log, prepareDatabase, serverEnv } from './setup.js';

/**
 * `npm run bench:profile`: our server under `node --cpu-prof`, one process per endpoint, loaded
 * at 64 connections; prints where its CPU time went (self time by package and by function),
 * start-up and warm-up left out.
 *
 * Env: as bench/run.ts, plus BENCH_PROFILE_SECONDS (5), BENCH_ENDPOINTS (a substring of the
 * endpoint names to profile, e.g. "balance"), BENCH_PROFILE_SERVER=reference to profile the
 * reference instead, for comparison, and BENCH_PROFILE_TOTALS=40 to list the 40 functions with
 * the most total (self + callees) time too.
 */

const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 5);
const only = process.env.BENCH_ENDPOINTS ?? '';
const kind: ServerKind = process.env.BENCH_PROFILE_SERVER === 'reference' ? 'reference' : 'ours';

async function main(): Promise<void> {
  await buildServer('dist');
  const { databaseUrl, data } = await prepareDatabase();
  for (const endpoint of benchEndpoints(data).filter((e) => e.name.includes(only))) {
    const dir = mkdtempSync(join(tmpdir(), 'aitbc-prof-'));
    const spawned = performance.now();
    const server = await startServer(kind, serverEnv(databaseUrl), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    await autocannon({ ...endpoint.load(server.url), connections: CONNECTIONS, amount: 1000 });
    const loadFromMs = performance.now() - spawned;
    const result = await autocannon({ ...endpoint.load(server.url), connections: CONNECTIONS, duration: seconds });
    await server.stop();
    // A worker thread (the reference's tsx loader) writes a profile too: the main thread's is CPU.<date>.<time>.<pid>.0.<n>.cpuprofile.
    const file = join(dir, readdirSync(dir).find((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name))!);
    log(`${kind} ${endpoint.name}: ${(result.requests.total / result.duration).toFixed(0)} req/s under the profiler; ${file}`);
    console.log(`\n## ${kind}, ${endpoint.name}: ${result.requests.total} requests\n`);
    console.log(formatSummary(summariseProfile(file, { fromMs: loadFromMs, inclusiveTop: Number(process.env.BENCH_PROFILE_TOTALS ?? 0) })));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
