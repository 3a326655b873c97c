import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { loginNewUser } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import { openSse } from '../support/sse.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}

function openConnections(server: RunningServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.exchange.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

describe('live events soak: 500 subscriptions opened and dropped', () => {
  let database: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database.url);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('returns listeners, connections, handles and heap to their starting level', async () => {
    const user = await loginNewUser(server.url);
    const hub = server.exchange.app.events;
    // Warm up once so lazily created module state does not count as growth.
    const warm = await openSse(`${server.url}/trpc/users.events`, { 'X-Session-Token': user.token });
    await warm.waitFor(() => warm.messages.length > 0).catch(() => undefined);
    warm.close();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const heapBefore = await settledHeap();
    const handlesBefore = process.getActiveResourcesInfo().length;

    for (let round = 0; round < 10; round++) {
      const streams = await Promise.all(
        Array.from({ length: 50 }, () => openSse(`${server.url}/trpc/users.events`, { 'X-Session-Token': user.token })),
      );
      expect(streams.every((s) => s.status === 200)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(hub.listenerCount).toBeGreaterThanOrEqual(50);
      for (const stream of streams) stream.close();
    }

    for (let waited = 0; waited < 5000 && (hub.listenerCount > 0 || (await openConnections(server)) > 0); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(hub.listenerCount).toBe(0);
    expect(await openConnections(server)).toBe(0);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(handlesBefore + 2);
    const heapAfter = await settledHeap();
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });
});
