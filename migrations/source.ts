import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const folder = dirname(fileURLToPath(import.meta.url));

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every timestamped migration file in this folder, applied in name order. */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(folder)
      .filter((name) => /^\d{14}_[a-z0-9_]+\.ts$/.test(name))
      .sort();
  },
  getMigrationName(name) {
    return name.replace(/\.ts$/, '');
  },
  async getMigration(name): Promise<Migration> {
    return import(pathToFileURL(`${folder}/${name}`).href) as Promise<Migration>;
  },
};
