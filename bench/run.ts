import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchEndpoints, shapeOf, type Endpoint } from './endpoints.js';
import { CONNECTIONS, measureEndpoint, type Sample } from './measure.js';
import { findDatabasePid, sampleRss } from './procfs.js';
import { endpointTable, median, medianSample, targetTable, type EndpointMedians, type Target } from './report.js';
import { buildServer } from '../scripts/serverBuild.js';
import { startServer, type ServerKind } from './servers.js';
import { log, prepareDatabase, serverEnv } from './setup.js';

/**
 * `npm run bench`: our server against the minimal reference (bench/reference.ts) on a fresh
 * MariaDB database, several short rounds alternating the two, medians of the rounds.
 *
 * Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_DATABASE (aitbc_bench),
 * BENCH_ROUNDS (4), BENCH_SECONDS (3 measured per endpoint), BENCH_WARMUP_SECONDS (1.5 of load before each measurement),
 * BENCH_REUSE_DB=1 (keep the database seeded by the previous run), BENCH_ENDPOINTS (only the
 * endpoints whose names contain it, e.g. "balance", for a quick comparison while working).
 */

const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 4),
  seconds: Number(process.env.BENCH_SECONDS ?? 3),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1.5),
  only: process.env.BENCH_ENDPOINTS ?? '',
};

const TARGETS = {
  balanceCpuRatio: 1.5,
  balanceRpsRatio: 0.75,
  balanceP99Ratio: 1.3,
  historyLatencyRatio: 1.3,
  loginRpsRatio: 0.7,
  rssMb: 150,
  coldStartMs: 2000,
  clientGzipBytes: 150_000,
};

/** Builds the client into a scratch folder and sums the gzip size of its JS files. */
function clientJsGzipBytes(): number {
  const outDir = mkdtempSync(join(tmpdir(), 'aitbc-bench-client-'));
  try {
    const build = spawnSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('vite build failed');
    const assets = join(outDir, 'assets');
    return readdirSync(assets)
      .filter((name) => name.endsWith('.js'))
      .reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name))).length, 0);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

interface ServerRun {
  samples: Map<string, Sample>;
  coldStartMs: number;
  peakRssKb: number;
  hwmKb: number;
}

/** Checks once that both servers answer each endpoint with 200 and the same JSON shape. */
async function checkEndpoint(url: string, endpoint: Endpoint, shapes: Map<string, string>): Promise<void> {
  const { status, body } = await endpoint.probe(url);
  if (status !== 200) throw new Error(`${endpoint.name}: ${url} answered ${status}: ${JSON.stringify(body)}`);
  const shape = shapeOf(body);
  const seen = shapes.get(endpoint.name);
  if (seen && seen !== shape) throw new Error(`${endpoint.name}: the two servers answer with different shapes:\n${seen}\n${shape}`);
  shapes.set(endpoint.name, shape);
}

/** Starts one server, measures every endpoint on it, stops it. */
async function runServer(
  kind: ServerKind,
  databaseUrl: string,
  endpoints: Endpoint[],
  shapes: Map<string, string>,
  dbPid: number | null,
): Promise<ServerRun> {
  const server = await startServer(kind, serverEnv(databaseUrl));
  const rss = sampleRss(server.pid);
  const samples = new Map<string, Sample>();
  try {
    for (const endpoint of endpoints) {
      await checkEndpoint(server.url, endpoint, shapes);
      samples.set(endpoint.name, await measureEndpoint(server.url, endpoint, { server: server.pid, db: dbPid }, settings));
    }
    const memory = rss.stop();
    return { samples, coldStartMs: server.coldStartMs, peakRssKb: memory.peakRssKb, hwmKb: memory.hwmKb };
  } finally {
    rss.stop();
    await server.stop();
  }
}

function describeRound(kind: ServerKind, run: ServerRun): string {
  const rps = [...run.samples].map(([name, s]) => `${name} ${s.requestsPerSecond.toFixed(0)}/s`).join(', ');
  return `${kind}: ${rps}; start ${run.coldStartMs.toFixed(0)} ms, peak RSS ${(run.peakRssKb / 1024).toFixed(0)} MB`;
}

/** ours/reference against a limit: at most `limit`, or at least it when higher is better. */
function ratioTarget(what: string, ratio: number, limit: number, higherIsBetter = false): Target {
  return {
    what,
    measured: `${ratio.toFixed(2)}×`,
    target: `${higherIsBetter ? '≥' : '≤'} ${limit}×`,
    holds: higherIsBetter ? ratio >= limit : ratio <= limit,
  };
}

/** An absolute figure that must stay at or below `limit`. */
function ceilingTarget(what: string, value: number, limit: number, unit: string, digits = 0): Target {
  return { what, measured: `${value.toFixed(digits)} ${unit}`, target: `≤ ${limit} ${unit}`, holds: value <= limit };
}

function balanceTargets(name: string, { ours, reference }: Record<ServerKind, Sample>): Target[] {
  return [
    ratioTarget(`${name}: server CPU per request, ours/ref`, ours.serverCpuPer1k / reference.serverCpuPer1k, TARGETS.balanceCpuRatio),
    ratioTarget(`${name}: requests/s, ours/ref`, ours.requestsPerSecond / reference.requestsPerSecond, TARGETS.balanceRpsRatio, true),
    ratioTarget(`${name}: p99 latency, ours/ref`, ours.p99Ms / reference.p99Ms, TARGETS.balanceP99Ratio),
  ];
}

/** The targets of the endpoints measured (all of them unless BENCH_ENDPOINTS picked some). */
function targets(medians: EndpointMedians, runs: Record<ServerKind, ServerRun[]>, clientGzip: number): Target[] {
  const endpoint = (name: string) => medians.get(name);
  const [restBalance, trpcBalance, history1k, history1m, login] = [
    'balance REST', 'balance tRPC', 'history 1k rows', 'history 1M rows', 'login (returning user)',
  ].map(endpoint);
  const peakRssMb = Math.max(...runs.ours.map((r) => Math.max(r.peakRssKb, r.hwmKb))) / 1024;
  return [
    ...(restBalance ? balanceTargets('balance REST', restBalance) : []),
    ...(trpcBalance ? balanceTargets('balance tRPC', trpcBalance) : []),
    ...(history1k && history1m
      ? [ratioTarget('history page p50 latency, 1M rows / 1k rows (ours)', history1m.ours.p50Ms / history1k.ours.p50Ms, TARGETS.historyLatencyRatio)]
      : []),
    ...(login
      ? [ratioTarget('login (returning user): requests/s, ours/ref', login.ours.requestsPerSecond / login.reference.requestsPerSecond, TARGETS.loginRpsRatio, true)]
      : []),
    ceilingTarget('server RSS, peak over the whole run (VmHWM)', peakRssMb, TARGETS.rssMb, 'MB'),
    ceilingTarget('cold start to healthy, migrated database (median)', median(runs.ours.map((r) => r.coldStartMs)), TARGETS.coldStartMs, 'ms'),
    ceilingTarget('built client JS, gzip total', clientGzip / 1000, TARGETS.clientGzipBytes / 1000, 'kB', 1),
  ];
}

function memoryLine(kind: ServerKind, runs: ServerRun[]): string {
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const sampled = Math.max(...runs.map((r) => r.peakRssKb));
  const hwm = Math.max(...runs.map((r) => r.hwmKb));
  const start = median(runs.map((r) => r.coldStartMs));
  return `${kind.padEnd(9)}  peak RSS sampled ${mb(sampled)}, VmHWM ${mb(hwm)}; cold start to healthy ${start.toFixed(0)} ms (median of ${runs.length})`;
}

async function main(): Promise<void> {
  const began = performance.now();
  const loadBefore = loadavg()[0];
  log('building the client to measure its JS size');
  const clientGzip = clientJsGzipBytes();
  log('compiling the server into dist/ as npm start does');
  await buildServer('dist');
  const { databaseUrl, data } = await prepareDatabase();
  const endpoints = benchEndpoints(data).filter((e) => e.name.includes(settings.only));
  const dbPid = findDatabasePid();
  if (!dbPid) log('no local mariadbd/mysqld process found: database CPU reads as 0');

  const shapes = new Map<string, string>();
  const runs: Record<ServerKind, ServerRun[]> = { ours: [], reference: [] };
  for (let round = 0; round < settings.rounds; round++) {
    const order: ServerKind[] = round % 2 === 0 ? ['ours', 'reference'] : ['reference', 'ours'];
    for (const kind of order) {
      const run = await runServer(kind, databaseUrl, endpoints, shapes, dbPid);
      runs[kind].push(run);
      log(`round ${round + 1}/${settings.rounds} ${describeRound(kind, run)}`);
    }
  }

  const medians: EndpointMedians = new Map();
  for (const { name } of endpoints) {
    medians.set(name, {
      ours: medianSample(runs.ours.map((r) => r.samples.get(name)!)),
      reference: medianSample(runs.reference.map((r) => r.samples.get(name)!)),
    });
  }
  const otherCores = median([...medians.values()].flatMap((m) => [m.ours.otherCores, m.reference.otherCores]));

  console.log(`\nAITBC exchange benchmark: ${CONNECTIONS} connections, ${settings.rounds} rounds × ${settings.seconds} s per endpoint (after ${settings.warmupSeconds} s of warm-up load), medians of the rounds\n`);
  console.log(endpointTable(medians));
  console.log('');
  console.log(memoryLine('ours', runs.ours));
  console.log(memoryLine('reference', runs.reference));
  console.log(`client JS gzip total ${(clientGzip / 1000).toFixed(1)} kB`);
  console.log(`machine: ${CONNECTIONS} connections on ${availableParallelism()} cores; other work used ${otherCores.toFixed(2)} cores during the measurements (median); load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`);
  console.log('');
  console.log(targetTable(targets(medians, runs, clientGzip)));
  console.log(`\ntotal ${((performance.now() - began) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
