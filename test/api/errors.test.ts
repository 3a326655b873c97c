import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectRestError, expectValidationError, trpcErrorCode, useApiServer, type ApiSuite } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser, type ApiResponse } from '../support/http.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Text that gives away internals: stack frames, source paths, SQL, driver names. */
const LEAKS = [
  /stack/i,
  /^\s*at\s/m,
  /\bat\s+\S+\s+\(/,
  /\.(ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /\bselect\b.*\bfrom\b/i,
  /\binsert into\b/i,
  /\bupdate\s+`?\w+`?\s+set\b/i,
  /sqlite/i,
  /mysql/i,
  /mariadb/i,
  /knex/i,
  /ER_[A-Z_]+/,
];

async function everyErrorReply(suite: ApiSuite): Promise<[string, ApiResponse][]> {
  const { token, userId } = await loginNewUser(suite.url);
  const other = await loginNewUser(suite.url);
  const url = suite.url;
  const cases: [string, Promise<ApiResponse>][] = [
    ['malformed JSON', api(url, 'POST', '/api/users/login', { rawBody: '{"wallet_address":', headers: JSON_HEADERS })],
    ['text/plain body', api(url, 'POST', '/api/users/login', { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } })],
    ['oversized body', api(url, 'POST', '/api/users/login', { body: { wallet_address: 'a'.repeat(70_000) } })],
    ['invalid address', api(url, 'POST', '/api/users/login', { body: { wallet_address: "aitbc1' OR 1=1 --" } })],
    ['address of the wrong type', api(url, 'POST', '/api/users/login', { body: { wallet_address: { $gt: '' } } })],
    ['JSON array body', api(url, 'POST', '/api/users/login', { body: [1, 2] })],
    ['JSON null body', api(url, 'POST', '/api/users/login', { rawBody: 'null', headers: JSON_HEADERS })],
    ['no token', api(url, 'GET', '/api/users/me')],
    ['unknown token', api(url, 'GET', '/api/users/me', { token: 'C'.repeat(43) })],
    ['another user', api(url, 'GET', `/api/users/${other.userId}/balance`, { token })],
    ['malformed user id', api(url, 'GET', "/api/users/1'%20OR%201=1/balance", { token })],
    ['bad limit', api(url, 'GET', `/api/users/${userId}/transactions?limit=1e2`, { token })],
    ['bad cursor', api(url, 'GET', `/api/users/${userId}/transactions?cursor=%27%3B--`, { token })],
    ['bad amount', api(url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '1e3' } })],
    ['huge amount', api(url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '9'.repeat(60) } })],
    ['unknown REST route', api(url, 'GET', '/api/nothing/here')],
    ['unknown page', api(url, 'GET', '/nothing/here')],
    ['tRPC unknown procedure', api(url, 'GET', '/trpc/users.nothing')],
    ['tRPC malformed JSON', api(url, 'POST', '/trpc/users.login', { rawBody: '{"wallet_address":', headers: JSON_HEADERS })],
    ['tRPC invalid input', api(url, 'POST', '/trpc/users.login', { body: { wallet_address: 'nope' } })],
    ['tRPC no token', api(url, 'GET', '/trpc/users.me')],
    ['tRPC malformed input', api(url, 'GET', '/trpc/users.balance?input=%7Bnot-json')],
  ];
  return Promise.all(cases.map(async ([label, reply]) => [label, await reply] as [string, ApiResponse]));
}

/** Sends raw bytes to the server and returns the whole raw reply. */
function rawExchange(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

describe.each(dialects)('error replies on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { rawBody: '{"wallet_address": "aitbc1abcdefg"', headers: JSON_HEADERS });
    expectRestError(res, 400, 'BAD_REQUEST');
  });

  it('answers a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', {
      rawBody: JSON.stringify({ wallet_address: 'aitbc1abcdefgh' }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expectRestError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a form-encoded body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', {
      rawBody: 'wallet_address=aitbc1abcdefgh',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectRestError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts application/json with a charset parameter', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', {
      rawBody: JSON.stringify({ wallet_address: 'aitbc1charsettest' }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(200);
  });

  it('answers a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: 'a'.repeat(64 * 1024) } });
    expectRestError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a chunked body over 64 KiB, with no Content-Length, with 413', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${suite.url}/api/users/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('reads a body just under 64 KiB and validates it instead of refusing it', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: 'a'.repeat(60 * 1024) } });
    expectValidationError(res, 'wallet_address');
  });

  it('answers a body over 64 KiB on tRPC with 413', async () => {
    const res = await api(suite.url, 'POST', '/trpc/users.login', { body: { wallet_address: 'a'.repeat(64 * 1024) } });
    expect(res.status).toBe(413);
    expect(trpcErrorCode(res.body)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown REST route with 404 NOT_FOUND JSON', async () => {
    const res = await api(suite.url, 'GET', '/api/users/me/nothing');
    expectRestError(res, 404, 'NOT_FOUND');
  });

  it('answers a known REST path with the wrong method with a JSON 404 or 405', async () => {
    const res = await api(suite.url, 'DELETE', '/api/users/login');
    expect([404, 405]).toContain(res.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof res.body.code).toBe('string');
  });

  it('answers an unknown page outside /api with 404 NOT_FOUND JSON', async () => {
    const res = await api(suite.url, 'GET', '/no/such/page');
    expectRestError(res, 404, 'NOT_FOUND');
  });

  it('answers an unknown tRPC procedure with 404 NOT_FOUND', async () => {
    const res = await api(suite.url, 'GET', '/trpc/users.nothing');
    expect(res.status).toBe(404);
    expect(trpcErrorCode(res.body)).toBe('NOT_FOUND');
  });

  it('answers a POST without body to a procedure that needs one with 400, not 500', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const login = await api(suite.url, 'POST', '/api/users/login');
    expectValidationError(login, 'wallet_address');
    const faucet = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token });
    expect(faucet.status).toBe(200);
  });

  it('never answers bad input with a 500, and always with a JSON error body', async () => {
    const replies = await everyErrorReply(suite);
    for (const [label, res] of replies) {
      expect({ label, status: res.status }).toEqual({ label, status: expect.any(Number) });
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(res.headers.get('content-type'), label).toMatch(/^application\/json/);
      expect(typeof res.body, label).toBe('object');
    }
  });

  it('puts no stack trace, source path or SQL in any error body', async () => {
    const replies = await everyErrorReply(suite);
    for (const [label, res] of replies) {
      const text = JSON.stringify(res.body);
      for (const leak of LEAKS) expect(text, `${label}: ${text}`).not.toMatch(leak);
    }
  });

  it('gives every REST error the contract shape {code, message}', async () => {
    const replies = await everyErrorReply(suite);
    for (const [label, res] of replies.filter(([l]) => !l.startsWith('tRPC'))) {
      expect(res.body, label).toEqual(
        expect.objectContaining({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) }),
      );
      const extra = Object.keys(res.body).filter((key) => !['code', 'message', 'issues'].includes(key));
      expect(extra, label).toEqual([]);
    }
  });

  it('answers a URL longer than the header limit with a JSON error', async () => {
    const res = await api(suite.url, 'GET', `/api/users/me?pad=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('answers a request that is not valid HTTP with a JSON 400', async () => {
    const reply = await rawExchange(suite.url, 'NONSENSE / HTTP/9.9\r\nHost\r\n\r\n');
    const [head, body] = reply.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(body)).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
  });
});
