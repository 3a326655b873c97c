import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';

export type Dialect = 'sqlite' | 'mysql';

/** SQLite always; MariaDB/MySQL too when TEST_MYSQL_URL is set. */
export const dialects: Dialect[] = process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a temp SQLite file or a new MySQL schema. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'aitbc-test-'));
    return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = new URL(process.env.TEST_MYSQL_URL!);
  const name = `aitbc_t_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: { uri: base.toString() } as never });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.destroy();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = knexFactory({ client: 'mysql2', connection: { uri: base.toString() } as never });
      await cleanup.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await cleanup.destroy();
    },
  };
}
