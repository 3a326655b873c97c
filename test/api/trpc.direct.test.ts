import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/env.js';
import { createServer, type ExchangeServer } from '../../server/http.js';
import { NIL_USER_ID } from '../support/apiSuite.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { loginNewUser, newWalletAddress } from '../support/http.js';

/**
 * Plain tRPC calls are answered by server/trpcDirectCalls.ts instead of the standalone adapter.
 * Each request here goes to two servers on one database — the normal one, and one that sends
 * every /trpc request through the adapter — and the two answers must be the same: status, the
 * headers a client reads, and the body (values that differ by nature, such as new tokens, masked).
 * The adapter writes its body as a stream (chunked), the direct path with a Content-Length: that
 * tells which one answered, so each case also checks the request took the path it should.
 */

const COMPARED_HEADERS = [
  'content-type',
  'vary',
  'retry-after',
  'allow',
  'cache-control',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'access-control-allow-origin',
];

/** Values that differ between two calls by nature (each login a new token, each faucet call adds more). */
const VARYING_FIELDS = new Set(['session_token', 'expires_at', 'issued_at', 'nonce', 'message', 'balance', 'balance_exact', 'updated_at', 'last_login']);

function maskVarying(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskVarying);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, VARYING_FIELDS.has(key) && typeof item !== 'object' ? '<varies>' : maskVarying(item)]),
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
  answeredBy: 'direct' | 'adapter';
}

interface Call {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function send(baseUrl: string, call: Call): Promise<Answer> {
  const response = await fetch(`${baseUrl}${call.path}`, { method: call.method, headers: call.headers, body: call.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // compared as text
  }
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)])),
    body: maskVarying(body),
    answeredBy: response.headers.get('transfer-encoding') === 'chunked' ? 'adapter' : 'direct',
  };
}

/** A GET with headers fetch will not send (such as Host): status and parsed body. */
function rawGet(baseUrl: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function query(path: string, input?: unknown, extra = ''): string {
  const params = input === undefined ? extra : `input=${encodeURIComponent(JSON.stringify(input))}${extra ? `&${extra}` : ''}`;
  return `/trpc/${path}${params ? `?${params}` : ''}`;
}

const json = { 'content-type': 'application/json' };

describe.each(dialects)('plain tRPC calls answered directly match the standalone adapter on %s', (dialect) => {
  let database: TestDatabase;
  let direct: ExchangeServer;
  let adapter: ExchangeServer;
  const urls = { direct: '', adapter: '' };
  let user: Awaited<ReturnType<typeof loginNewUser>>;
  let other: Awaited<ReturnType<typeof loginNewUser>>;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    // Tight per-address limits so a case can hit 429 with Retry-After on both servers.
    const config = parseConfig({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      SIGNIN_LIMIT_PER_IP: '0',
      SIGNIN_LIMIT_PER_ADDRESS: '2/300',
      PUBLIC_ORIGIN: 'http://exchange.test',
    });
    direct = createServer({ config });
    urls.direct = await direct.start();
    adapter = createServer({ config, directTrpcCalls: false });
    urls.adapter = await adapter.start();
    user = await loginNewUser(urls.direct);
    other = await loginNewUser(urls.direct);
  });

  afterAll(async () => {
    await direct?.stop();
    await adapter?.stop();
    await database?.drop();
  });

  /** Sends the call to both servers, one after the other, and returns both answers. */
  async function both(call: Call | (() => Call)) {
    const make = typeof call === 'function' ? call : () => call;
    return { direct: await send(urls.direct, make()), adapter: await send(urls.adapter, make()) };
  }

  async function expectSameAnswer(call: Call | (() => Call), path: 'direct' | 'adapter' = 'direct') {
    const answers = await both(call);
    expect(answers.adapter.answeredBy).toBe('adapter');
    expect(answers.direct.answeredBy).toBe(path);
    const { answeredBy: _d, ...fromDirect } = answers.direct;
    const { answeredBy: _a, ...fromAdapter } = answers.adapter;
    expect(fromDirect).toEqual(fromAdapter);
    return fromDirect;
  }

  const auth = () => ({ 'x-session-token': user.token });

  it('answers a query with its data', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('users.balance', { user_id: user.userId }), headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result: { data: { user_id: user.userId, address: user.address } } });
  });

  it('answers a query without input', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('users.me'), headers: auth() });
    expect(answer.body).toMatchObject({ result: { data: { user_id: user.userId } } });
  });

  it('answers a public query', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('exchange.rates') });
    expect(answer.body).toMatchObject({ result: { data: { btc_to_aitbc: 100000 } } });
  });

  it('refuses another user\'s balance with the same 403', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('users.balance', { user_id: other.userId }), headers: auth() });
    expect(answer.status).toBe(403);
  });

  it('refuses a malformed user id with the same 400 and issues', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('users.balance', { user_id: 'not-a-uuid' }), headers: auth() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { data: { code: 'BAD_REQUEST', issues: [expect.objectContaining({ path: ['user_id'] })] } } });
  });

  it('refuses a missing or unknown token with the same 401', async () => {
    expect((await expectSameAnswer({ method: 'GET', path: query('users.balance', { user_id: NIL_USER_ID }) })).status).toBe(401);
    const unknownToken = { 'x-session-token': 'A'.repeat(43) };
    expect((await expectSameAnswer({ method: 'GET', path: query('users.me'), headers: unknownToken })).status).toBe(401);
  });

  it('answers history pages and refuses a bad cursor alike', async () => {
    const page = await expectSameAnswer({ method: 'GET', path: query('users.transactions', { user_id: user.userId, limit: 2 }), headers: auth() });
    expect(page.body).toMatchObject({ result: { data: { user_id: user.userId, total: 0 } } });
    const bad = await expectSameAnswer({ method: 'GET', path: query('users.transactions', { user_id: user.userId, cursor: 'nonsense' }), headers: auth() });
    expect(bad.status).toBe(400);
  });

  it('answers an unknown payment of your own with the same 404', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('exchange.paymentStatus', { payment_id: NIL_USER_ID }), headers: auth() });
    expect(answer.status).toBe(404);
  });

  it('answers a batch of queries in order', async () => {
    const path = query('users.me,users.balance', { 1: { user_id: user.userId } }, 'batch=1');
    const answer = await expectSameAnswer({ method: 'GET', path, headers: auth() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject([{ result: { data: { user_id: user.userId } } }, { result: { data: { user_id: user.userId } } }]);
  });

  it('answers a batch with one failing call as 207 with the error in its place', async () => {
    const path = query('users.me,users.balance', { 1: { user_id: other.userId } }, 'batch=1');
    const answer = await expectSameAnswer({ method: 'GET', path, headers: auth() });
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject([{ result: {} }, { error: { data: { code: 'FORBIDDEN' } } }]);
  });

  it('answers a mutation, single and batched', async () => {
    const address = newWalletAddress();
    await loginNewUser(urls.direct, address);
    const single = await expectSameAnswer({ method: 'POST', path: '/trpc/users.login', headers: json, body: JSON.stringify({ wallet_address: address }) });
    expect(single.body).toMatchObject({ result: { data: { wallet_address: address, is_new_user: false } } });
    const batch = await expectSameAnswer({
      method: 'POST',
      path: '/trpc/users.login,users.login?batch=1',
      headers: json,
      body: JSON.stringify({ 0: { wallet_address: address }, 1: { wallet_address: 'not an address' } }),
    });
    expect(batch.status).toBe(207);
  });

  it('answers a faucet mutation with the same shape', async () => {
    const body = JSON.stringify({ user_id: user.userId, amount: '1.5' });
    const answer = await expectSameAnswer({ method: 'POST', path: '/trpc/users.faucet', headers: { ...json, ...auth() }, body });
    expect(answer.body).toMatchObject({ result: { data: { user_id: user.userId } } });
  });

  it('keeps an amount with too many decimals exact and refuses it alike', async () => {
    const body = `{"user_id":"${user.userId}","amount":1.000000001}`;
    const answer = await expectSameAnswer({ method: 'POST', path: '/trpc/users.faucet', headers: { ...json, ...auth() }, body });
    expect(answer.status).toBe(400);
  });

  it('sets Retry-After on a rate-limited call, as the adapter does', async () => {
    const address = newWalletAddress();
    const call = { method: 'POST' as const, path: '/trpc/users.challenge', headers: json, body: JSON.stringify({ wallet_address: address }) };
    await both(call);
    await both(call);
    const limited = await expectSameAnswer(call);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers a call from the exchange\'s own origin with the same CORS headers', async () => {
    const answer = await expectSameAnswer({ method: 'GET', path: query('exchange.rates'), headers: { origin: 'http://exchange.test' } });
    expect(answer.headers['access-control-allow-origin']).toBe('http://exchange.test');
  });

  it('refuses a byte-order mark before an inexact amount, keeping it exact', async () => {
    const body = `\uFEFF{"user_id":"${user.userId}","amount":1.0000000000000001}`;
    const answer = await expectSameAnswer({ method: 'POST', path: '/trpc/users.faucet', headers: { ...json, ...auth() }, body });
    expect(answer.status).toBe(400);
  });

  it('refuses a Host header that makes no usable URL with 400 on every /trpc path', async () => {
    for (const host of ['u@h', 'user:pass@exchange.test', '[::1']) {
      for (const path of [query('exchange.rates'), '/trpc/exchange%2Erates', '/trpc/users.events']) {
        const fromDirect = await rawGet(urls.direct, path, { host, 'x-session-token': user.token });
        const fromAdapter = await rawGet(urls.adapter, path, { host, 'x-session-token': user.token });
        expect(fromDirect).toEqual(fromAdapter);
        expect(fromDirect).toMatchObject({ status: 400, body: { error: { data: { code: 'BAD_REQUEST' } } } });
      }
    }
  });

  it('refuses an unauthenticated event stream with 401 JSON however its path is written', async () => {
    for (const path of ['/trpc/users.events', '/trpc/users%2Eevents', '/trpc/users.events/', '/trpc/./users.events']) {
      const answers = await both({ method: 'GET', path });
      for (const answer of [answers.direct, answers.adapter]) {
        expect(answer.status).toBe(401);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(answer.body).toMatchObject({ code: 'UNAUTHORIZED' });
      }
    }
  });

  describe('leaves to the adapter', () => {
    it('a query string with a second leading "?", which URL parsing keeps in the first name', async () => {
      const input = encodeURIComponent(JSON.stringify({ user_id: user.userId }));
      await expectSameAnswer({ method: 'GET', path: `/trpc/users.balance??input=${input}`, headers: auth() }, 'adapter');
      await expectSameAnswer({ method: 'GET', path: '/trpc/users.me,users.me??batch=1', headers: auth() }, 'adapter');
    });

    it('a call with connectionParams, which the adapter reads and may refuse', async () => {
      for (const params of ['%7Bnope', '1', encodeURIComponent('{"a":"b"}')]) {
        await expectSameAnswer({ method: 'GET', path: `/trpc/exchange.rates?connectionParams=${params}` }, 'adapter');
      }
    });

    it('a query sent as POST and a mutation sent as GET (405)', async () => {
      const post = await expectSameAnswer({ method: 'POST', path: '/trpc/users.me', headers: { ...json, ...auth() }, body: '' }, 'adapter');
      expect(post.status).toBe(405);
      const get = await expectSameAnswer({ method: 'GET', path: query('users.login', { wallet_address: user.address }) }, 'adapter');
      expect(get.status).toBe(405);
    });

    it('an unknown procedure, even one named like an inherited property (404)', async () => {
      expect((await expectSameAnswer({ method: 'GET', path: query('users.nothing') }, 'adapter')).status).toBe(404);
      expect((await expectSameAnswer({ method: 'GET', path: query('constructor') }, 'adapter')).status).toBe(404);
    });

    it('input that is not JSON', async () => {
      const answer = await expectSameAnswer({ method: 'GET', path: '/trpc/users.balance?input=%7Bnope', headers: auth() }, 'adapter');
      expect(answer.status).toBe(400);
    });

    it('a batch over the size limit (400)', async () => {
      const path = query(Array(21).fill('exchange.rates').join(','), {}, 'batch=1');
      expect((await expectSameAnswer({ method: 'GET', path }, 'adapter')).status).toBe(400);
    });

    it('a percent-encoded procedure path', async () => {
      const answer = await expectSameAnswer({ method: 'GET', path: '/trpc/exchange%2Erates' }, 'adapter');
      expect(answer.body).toMatchObject({ result: { data: { btc_to_aitbc: 100000 } } });
    });

    it('a mutation whose body is not declared as JSON (415)', async () => {
      const call = { method: 'POST' as const, path: '/trpc/users.login', headers: { 'content-type': 'text/plain' }, body: '{}' };
      expect((await expectSameAnswer(call, 'adapter')).status).toBe(415);
    });

    it('a batch that asks for a streamed (jsonl) answer', async () => {
      const call = { method: 'GET' as const, path: query('exchange.rates', {}, 'batch=1'), headers: { 'trpc-accept': 'application/jsonl' } };
      const answers = await both(call);
      expect(answers.direct.answeredBy).toBe('adapter');
      expect(answers.direct.status).toBe(answers.adapter.status);
      expect(answers.direct.headers['content-type']).toBe(answers.adapter.headers['content-type']);
    });
  });
});
