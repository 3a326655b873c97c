import type autocannon from 'autocannon';
import type { BenchData, BenchUser } from './seed.js';

/** One benchmarked request: what autocannon sends, the same to both servers. */
export interface Endpoint {
  name: string;
  /** Sends a request as the load would, and returns the status and parsed body (for the sanity check). */
  probe(url: string): Promise<{ status: number; body: unknown }>;
  /** autocannon options for this endpoint on the server at `url` (connections and timing are added by the caller). */
  load(url: string): autocannon.Options;
}

function authHeaders(user: BenchUser): Record<string, string> {
  return { 'x-session-token': user.token };
}

async function probeGet(url: string, path: string, user: BenchUser) {
  const response = await fetch(`${url}${path}`, { headers: authHeaders(user) });
  return { status: response.status, body: await response.json() };
}

function getEndpoint(name: string, path: string, user: BenchUser): Endpoint {
  return {
    name,
    probe: (url) => probeGet(url, path, user),
    load: (url) => ({ url: `${url}${path}`, method: 'GET', headers: authHeaders(user) }),
  };
}

/**
 * Returning-user login, each request for the next of many seeded wallets (so no single user row
 * takes every last_login update). Every login adds a session row, as it does in production.
 */
function loginEndpoint(addresses: string[]): Endpoint {
  let next = 0;
  const nextBody = () => JSON.stringify({ wallet_address: addresses[next++ % addresses.length] });
  const headers = { 'content-type': 'application/json' };
  return {
    name: 'login (returning user)',
    async probe(url) {
      const response = await fetch(`${url}/api/users/login`, { method: 'POST', headers, body: nextBody() });
      return { status: response.status, body: await response.json() };
    },
    load: (url) => ({
      url: `${url}/api/users/login`,
      method: 'POST',
      headers,
      requests: [{ setupRequest: (request) => ({ ...request, body: nextBody() }) }],
    }),
  };
}

export function benchEndpoints(data: BenchData): Endpoint[] {
  const trpcInput = encodeURIComponent(JSON.stringify({ user_id: data.balanceUser.userId }));
  return [
    getEndpoint('balance REST', `/api/users/${data.balanceUser.userId}/balance`, data.balanceUser),
    getEndpoint('balance tRPC', `/trpc/users.balance?input=${trpcInput}`, data.balanceUser),
    getEndpoint('history 1k rows', `/api/users/${data.history1k.userId}/transactions?limit=50`, data.history1k),
    getEndpoint('history 1M rows', `/api/users/${data.history1m.userId}/transactions?limit=50`, data.history1m),
    loginEndpoint(data.loginAddresses),
  ];
}

/** The keys of a JSON value, recursively, with array items merged: the shape both servers must give. */
export function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length ? shapeOf(value[0]) : ''}]`;
  if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([key, item]) => `${key}:${shapeOf(item)}`).join(',')}}`;
}
