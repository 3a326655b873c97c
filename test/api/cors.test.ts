import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIGNIN_LIMITS, freePort, useApiServer } from '../support/apiSuite.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { loginNewUser } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';

function preflight(url: string, path: string, origin: string, requestHeaders = 'x-session-token') {
  return fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': requestHeaders },
  });
}

function allowedHeaders(res: Response): string[] {
  return (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
}

describe.each(dialects)('CORS with the default PUBLIC_ORIGIN on %s', (dialect) => {
  let database: TestDatabase;
  let server: RunningServer;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    database = await createTestDatabase(dialect);
    server = await startTestServer(database.url, { ...NO_SIGNIN_LIMITS, PORT: String(port) });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('allows a preflight for X-Session-Token from http://localhost:<PORT>', async () => {
    const res = await preflight(server.url, '/api/users/me', origin);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(allowedHeaders(res)).toContain('x-session-token');
  });

  it('allows a preflight for the tRPC path from PUBLIC_ORIGIN', async () => {
    const res = await preflight(server.url, '/trpc/users.me', origin, 'x-session-token, content-type');
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(allowedHeaders(res)).toEqual(expect.arrayContaining(['x-session-token', 'content-type']));
  });

  it('allows no other origin in a preflight', async () => {
    for (const other of ['http://evil.example', 'http://localhost:1', `${origin}.evil.example`, 'null']) {
      const res = await preflight(server.url, '/api/users/me', other);
      expect(res.headers.get('access-control-allow-origin'), other).toBeNull();
      expect(res.headers.get('access-control-allow-headers') ?? '', other).not.toMatch(/x-session-token/i);
    }
  });

  it('names PUBLIC_ORIGIN on an actual cross-origin request from it', async () => {
    const { token } = await loginNewUser(server.url);
    const res = await fetch(`${server.url}/api/users/me`, { headers: { Origin: origin, 'X-Session-Token': token } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('sends no Access-Control-Allow-Origin to another origin', async () => {
    const { token } = await loginNewUser(server.url);
    const res = await fetch(`${server.url}/api/users/me`, { headers: { Origin: 'http://evil.example', 'X-Session-Token': token } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe.each(dialects)('CORS with PUBLIC_ORIGIN set on %s', (dialect) => {
  const suite = useApiServer(dialect, { PUBLIC_ORIGIN: 'https://exchange.example' });

  it('allows a preflight from the configured PUBLIC_ORIGIN', async () => {
    const res = await preflight(suite.url, '/api/users/me', 'https://exchange.example');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://exchange.example');
    expect(allowedHeaders(res)).toContain('x-session-token');
  });

  it('allows no preflight from http://localhost:<port> when PUBLIC_ORIGIN is elsewhere', async () => {
    const port = new URL(suite.url).port;
    const res = await preflight(suite.url, '/api/users/me', `http://localhost:${port}`);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
