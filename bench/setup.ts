import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { seedBenchData, type BenchData } from './seed.js';
import { startServer } from './servers.js';

const mysqlUrl = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
const database = process.env.BENCH_DATABASE ?? 'aitbc_bench';
/** Where the seeded tokens are kept, so BENCH_REUSE_DB=1 can skip seeding while profiling. */
const dataFile = join(tmpdir(), `${database}.tokens.json`);

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The environment both servers run with. */
export function serverEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    DEMO_MODE: 'true',
    SIGNIN_LIMIT_PER_IP: '0',
    SIGNIN_LIMIT_PER_ADDRESS: '0',
  };
}

async function recreateDatabase(): Promise<void> {
  const admin = await mysql.createConnection({ uri: mysqlUrl });
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.query(`CREATE DATABASE \`${database}\``);
  await admin.end();
}

/**
 * A fresh database, migrated by starting our server once, then seeded in bulk. With
 * BENCH_REUSE_DB=1 the database seeded by the previous run is used as it is.
 */
export async function prepareDatabase(): Promise<{ databaseUrl: string; data: BenchData }> {
  const databaseUrl = `${mysqlUrl}/${database}`;
  if (process.env.BENCH_REUSE_DB === '1' && existsSync(dataFile)) {
    log(`reusing database ${database}`);
    return { databaseUrl, data: JSON.parse(readFileSync(dataFile, 'utf8')) as BenchData };
  }
  log(`creating database ${database}, migrating it by starting our server once, seeding`);
  await recreateDatabase();
  const migrating = await startServer('ours', serverEnv(databaseUrl));
  await migrating.stop();

  const started = performance.now();
  const conn = await mysql.createConnection({ uri: databaseUrl, dateStrings: true, timezone: 'Z' });
  const data = await seedBenchData(conn);
  await conn.end();
  writeFileSync(dataFile, JSON.stringify(data));
  log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { databaseUrl, data };
}
