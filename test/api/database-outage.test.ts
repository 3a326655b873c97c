import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { NO_SIGNIN_LIMITS, expectRestError, sleep, startTcpProxy, trpcErrorCode, type TcpProxy } from '../support/apiSuite.js';
import { selectRows } from '../../server/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { api, loginNewUser, type ApiResponse } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';

/** Polls until `check` passes or `ms` run out; returns the last reply. */
async function eventually(request: () => Promise<ApiResponse>, check: (res: ApiResponse) => boolean, ms = 15_000): Promise<ApiResponse> {
  const deadline = Date.now() + ms;
  let res = await request();
  while (!check(res) && Date.now() < deadline) {
    await sleep(200);
    res = await request();
  }
  return res;
}

// The outage is played with a TCP proxy in front of MariaDB; SQLite has no server to lose.
describe.runIf(process.env.TEST_MYSQL_URL)('database outage on mysql', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: RunningServer;
  let session: { token: string; userId: string };

  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    const target = new URL(process.env.TEST_MYSQL_URL!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
    const throughProxy = new URL(database.url);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    server = await startTestServer(throughProxy.toString(), NO_SIGNIN_LIMITS);
    session = await loginNewUser(server.url);
  });
  afterAll(async () => {
    await proxy?.open();
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('reports the database as ok while it is reachable', async () => {
    const res = await api(server.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  describe('while the database is down', () => {
    let consoleSpies: MockInstance[] = [];
    beforeAll(async () => {
      // The server logs through pino (silenced here); nothing may bypass it to the console.
      consoleSpies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation(() => undefined),
      );
      await proxy.close();
    });
    afterAll(() => {
      for (const spy of consoleSpies) spy.mockRestore();
    });

    it('answers /healthz with 503 {"status":"unavailable","database":"down"}', async () => {
      const res = await api(server.url, 'GET', '/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', database: 'down' });
    });

    it('answers an authenticated REST call with 503 SERVICE_UNAVAILABLE JSON', async () => {
      const res = await api(server.url, 'GET', '/api/users/me', { token: session.token });
      expectRestError(res, 503, 'SERVICE_UNAVAILABLE');
    });

    it('answers a login with 503 SERVICE_UNAVAILABLE JSON', async () => {
      const res = await api(server.url, 'POST', '/api/users/login', { body: { wallet_address: 'aitbc1outagetest' } });
      expectRestError(res, 503, 'SERVICE_UNAVAILABLE');
    });

    it('answers a faucet call with 503 SERVICE_UNAVAILABLE JSON', async () => {
      const res = await api(server.url, 'POST', `/api/users/${session.userId}/faucet`, { token: session.token, body: {} });
      expectRestError(res, 503, 'SERVICE_UNAVAILABLE');
    });

    it('answers a tRPC call with 503 SERVICE_UNAVAILABLE', async () => {
      const res = await api(server.url, 'GET', '/trpc/users.me', { token: session.token });
      expect(res.status).toBe(503);
      expect(trpcErrorCode(res.body)).toBe('SERVICE_UNAVAILABLE');
    });

    it('answers a live-event subscription with 503 SERVICE_UNAVAILABLE JSON', async () => {
      const res = await api(server.url, 'GET', '/trpc/users.events', { token: session.token });
      expectRestError(res, 503, 'SERVICE_UNAVAILABLE');
    });

    it('says nothing about the driver or the SQL in the 503 body', async () => {
      const res = await api(server.url, 'GET', `/api/users/${session.userId}/transactions`, { token: session.token });
      const text = JSON.stringify(res.body);
      expect(text).not.toMatch(/stack|ECONNREFUSED|mysql|mariadb|select|knex|127\.0\.0\.1|\.ts:\d+/i);
    });

    it('answers within the time a client would wait', async () => {
      const started = Date.now();
      await api(server.url, 'GET', '/api/users/me', { token: session.token });
      expect(Date.now() - started).toBeLessThan(6000);
    });

    it('writes nothing to the console outside the structured log', async () => {
      await api(server.url, 'GET', '/api/users/me', { token: session.token });
      await api(server.url, 'GET', '/healthz');
      const written = consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => String(args[0]).split('\n')[0]));
      expect(written).toEqual([]);
    });

    it('keeps the process up and listening', async () => {
      expect(server.exchange.server.listening).toBe(true);
      const replies = await Promise.all(Array.from({ length: 5 }, () => api(server.url, 'GET', '/healthz')));
      expect(replies.map((r) => r.status)).toEqual(Array(5).fill(503));
    });
  });

  describe('after the database comes back', () => {
    beforeAll(async () => {
      await proxy.open();
    });

    it('reports the database as ok again by itself', async () => {
      const res = await eventually(() => api(server.url, 'GET', '/healthz'), (r) => r.status === 200);
      expect(res.body).toEqual({ status: 'ok', database: 'ok' });
    });

    it('accepts the session issued before the outage', async () => {
      const res = await eventually(() => api(server.url, 'GET', '/api/users/me', { token: session.token }), (r) => r.status === 200);
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe(session.userId);
    });

    it('serves logins and writes again', async () => {
      const fresh = await loginNewUser(server.url);
      const res = await api(server.url, 'POST', `/api/users/${fresh.userId}/faucet`, { token: fresh.token, body: { amount: '1' } });
      expect(res.status).toBe(200);
      expect(res.body.balance_exact).toBe('1.00000000');
    });
  });

  describe('while the database stops answering (connections open, nothing comes back)', () => {
    beforeAll(async () => {
      // Several pooled connections first, so requests find idle connections to the frozen database.
      await Promise.all(Array.from({ length: 8 }, () => api(server.url, 'GET', '/api/users/me', { token: session.token })));
      proxy.freeze();
    });
    afterAll(() => {
      proxy.thaw();
    });

    it('answers /healthz with 503 within 5 seconds', async () => {
      const started = Date.now();
      const res = await api(server.url, 'GET', '/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', database: 'down' });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('answers an authenticated API call with 503 within 8 seconds instead of hanging', async () => {
      const reply = api(server.url, 'GET', '/api/users/me', { token: session.token });
      const outcome = await Promise.race([reply, sleep(8000).then(() => 'still waiting after 8 s')]);
      expect(outcome).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
    }, 15_000);
  });

  describe('after the database answers again', () => {
    beforeAll(() => {
      proxy.thaw();
    });

    it('serves requests again by itself', async () => {
      const res = await eventually(() => api(server.url, 'GET', '/api/users/me', { token: session.token }), (r) => r.status === 200);
      expect(res.status).toBe(200);
      expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
    });
  });

  describe('when the connections it holds go silent for good (a network black hole)', () => {
    beforeAll(async () => {
      await eventually(() => api(server.url, 'GET', '/api/users/me', { token: session.token }), (r) => r.status === 200);
      // Both pools full first (32 slow statements on each), then every connection stops
      // answering while new ones would work: only retiring the silent ones makes room.
      const { db } = server.exchange.app;
      await Promise.all([
        ...Array.from({ length: 32 }, () => selectRows(db, 'SELECT SLEEP(0.3)', [])),
        ...Array.from({ length: 32 }, () => db.raw('SELECT SLEEP(0.3)')),
      ]);
      proxy.blackHoleExisting();
    });

    it('reports the database as down on /healthz', async () => {
      const res = await api(server.url, 'GET', '/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', database: 'down' });
    });

    it('retires the silent connections and serves requests again by itself', async () => {
      const me = () => api(server.url, 'GET', '/api/users/me', { token: session.token });
      const served = await eventually(
        async () => (await Promise.all(Array.from({ length: 64 }, me))).find((r) => r.status !== 200) ?? (await me()),
        (r) => r.status === 200,
        30_000,
      );
      expect(served.status).toBe(200);
      const health = await eventually(() => api(server.url, 'GET', '/healthz'), (r) => r.status === 200, 30_000);
      expect(health.status).toBe(200);
    }, 45_000);
  });
});
