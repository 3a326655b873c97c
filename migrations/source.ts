import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const folder = dirname(fileURLToPath(import.meta.url));

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Every timestamped migration file in this folder, applied in name order: the .ts sources, or
 * their compiled .js copies when the server runs from dist/ (the recorded names carry neither).
 */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(folder)
      .filter((name) => /^\d{14}_[a-z0-9_]+\.[tj]s$/.test(name))
      .sort();
  },
  getMigrationName(name) {
    return name.replace(/\.[tj]s$/, '');
  },
  async getMigration(name): Promise<Migration> {
    return import(pathToFileURL(`${folder}/${name}`).href) as Promise<Migration>;
  },
};
