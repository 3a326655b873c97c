import autocannon from 'autocannon';
import type { Endpoint } from './endpoints.js';
import { machineBusyTicks, processCpuTicks, TICKS_PER_SECOND } from './procfs.js';

export const CONNECTIONS = 64;

/** One endpoint on one server in one round. */
export interface Sample {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU (user + system) seconds per 1,000 requests. */
  serverCpuPer1k: number;
  /** Database server CPU seconds per 1,000 requests. */
  dbCpuPer1k: number;
  /** Cores kept busy by everything else on the machine meanwhile (other engineers' work). */
  otherCores: number;
  errors: number;
}

interface CpuSnapshot {
  server: number;
  db: number;
  machine: number;
  self: number;
  at: number;
}

function snapshot(serverPid: number, dbPid: number | null): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    server: processCpuTicks(serverPid),
    db: dbPid ? processCpuTicks(dbPid) : 0,
    machine: machineBusyTicks(),
    self: ((self.user + self.system) / 1e6) * TICKS_PER_SECOND,
    at: performance.now(),
  };
}

/**
 * Warms the server up on this endpoint for `warmupSeconds` of the same load, so both servers are
 * measured in their steady state: V8 optimises a server's hot code only after thousands of calls,
 * and ours has far more of it (tRPC, zod, the driver's binary protocol) than the reference; after
 * 500 requests it is still compiling. Then measures `seconds` of load.
 */
export async function measureEndpoint(
  url: string,
  endpoint: Endpoint,
  pids: { server: number; db: number | null },
  timing: { warmupSeconds: number; seconds: number },
): Promise<Sample> {
  await autocannon({ ...endpoint.load(url), connections: CONNECTIONS, duration: timing.warmupSeconds });
  const before = snapshot(pids.server, pids.db);
  const result = await autocannon({ ...endpoint.load(url), connections: CONNECTIONS, duration: timing.seconds });
  const after = snapshot(pids.server, pids.db);

  const requests = result.requests.total;
  const perThousand = (ticks: number) => (ticks / TICKS_PER_SECOND / Math.max(requests, 1)) * 1000;
  const server = after.server - before.server;
  const db = after.db - before.db;
  const others = after.machine - before.machine - server - db - (after.self - before.self);
  return {
    requestsPerSecond: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuPer1k: perThousand(server),
    dbCpuPer1k: perThousand(db),
    otherCores: Math.max(0, others / TICKS_PER_SECOND / ((after.at - before.at) / 1000)),
    errors: result.errors + result.non2xx,
  };
}
