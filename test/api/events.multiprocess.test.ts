import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { openSse } from '../support/sse.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Two server processes share one MariaDB database and one Redis, as behind a load balancer.
describe.runIf(process.env.TEST_MYSQL_URL)('live events across two server processes (MariaDB + Redis)', () => {
  let database: TestDatabase;
  let first: ServerProcess;
  let second: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    first = await spawnServer({ DATABASE_URL: database.url, REDIS_URL });
    second = await spawnServer({ DATABASE_URL: database.url, REDIS_URL });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  });

  it('delivers a change made through one process to a subscriber on the other within one second', async () => {
    const user = await loginNewUser(first.url);
    const stream = await openSse(`${first.url}/trpc/users.events`, { 'X-Session-Token': user.token });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const credit = await api(second.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: '7.25' } });
    expect(credit.status).toBe(200);
    const events = await stream.waitFor((d) => d.length >= 2, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events[0].data).toMatchObject({ type: 'balance', balance_exact: '7.25000000' });
    expect(events[1].data).toMatchObject({ type: 'transaction', transaction_type: 'deposit', amount_exact: '7.25000000' });
    stream.close();
  });

  it('ends a subscription on one process when the session logs out through the other', async () => {
    const user = await loginNewUser(first.url);
    const stream = await openSse(`${first.url}/trpc/users.events`, { 'X-Session-Token': user.token });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api(second.url, 'POST', '/api/users/logout', { token: user.token });
    const outcome = await Promise.race([
      stream.ended.then(() => 'ended'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 1000)),
    ]);
    expect(outcome).toBe('ended');
  });
});
