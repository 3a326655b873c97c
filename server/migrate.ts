import { createDb, migrateToLatest } from './db.js';
import { parseConfig } from './env.js';

const db = createDb(parseConfig().databaseUrl);
try {
  await migrateToLatest(db);
  console.log('Migrations applied.');
} finally {
  await db.destroy();
}
