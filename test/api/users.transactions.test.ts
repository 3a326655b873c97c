import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import {
  ISO_MS_Z,
  NIL_USER_ID,
  UUID_LOWER,
  dbTime,
  expectRestError,
  expectValidationError,
  useApiServer,
} from '../support/apiSuite.js';
import { recountTransactions } from '../../server/services/transactionCounts.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

const TRANSACTION_FIELDS = [
  'amount', 'amount_exact', 'confirmed_at', 'created_at', 'description', 'fee', 'fee_exact', 'id', 'status', 'type',
];

interface SeedRow {
  type?: string;
  status?: string;
  amount?: string;
  createdAt: Date;
  id?: string;
}

/** Inserts history rows directly, with chosen times, for a user created through the API. */
async function seedTransactions(db: Knex, userId: string, rows: SeedRow[]): Promise<string[]> {
  const wallet = await db('wallets').where({ user_id: userId }).first('id');
  const records = rows.map((row) => ({
    id: row.id ?? randomUUID(),
    user_id: userId,
    wallet_id: wallet.id,
    type: row.type ?? 'deposit',
    status: row.status ?? 'completed',
    amount: row.amount ?? '1.00000000',
    fee: '0.00000000',
    description: 'seeded',
    created_at: dbTime(row.createdAt),
    confirmed_at: (row.status ?? 'completed') === 'completed' ? dbTime(row.createdAt) : null,
  }));
  for (let i = 0; i < records.length; i += 100) await db('transactions').insert(records.slice(i, i + 100));
  await recountTransactions(db, userId);
  return records.map((r) => r.id);
}

/** `count` rows one second apart, the newest `count` seconds before `end`. */
function timesBefore(end: number, count: number): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(end - (i + 1) * 1000));
}

describe.each(dialects)('GET /api/users/{user_id}/transactions on %s', (dialect) => {
  const suite = useApiServer(dialect);
  const history = (userId: string, token: string, query = '') =>
    api(suite.url, 'GET', `/api/users/${userId}/transactions${query ? `?${query}` : ''}`, { token });

  it('returns an empty page for a new user', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await history(userId, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: userId, total: 0, next_cursor: null, transactions: [] });
  });

  it('returns each transaction with the contract fields and types', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: '5.25' } });
    const res = await history(userId, token);
    expect(res.body.total).toBe(1);
    const [tx] = res.body.transactions;
    expect(Object.keys(tx).sort()).toEqual(TRANSACTION_FIELDS);
    expect(tx).toEqual({
      id: expect.stringMatching(UUID_LOWER),
      type: 'deposit',
      status: 'completed',
      amount: 5.25,
      amount_exact: '5.25000000',
      fee: 0,
      fee_exact: '0.00000000',
      description: expect.stringMatching(/faucet/i),
      created_at: expect.stringMatching(ISO_MS_Z),
      confirmed_at: expect.stringMatching(ISO_MS_Z),
    });
  });

  it('returns confirmed_at null for a pending transaction', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, [{ status: 'pending', type: 'purchase', createdAt: new Date() }]);
    const res = await history(userId, token);
    expect(res.body.transactions[0]).toMatchObject({ status: 'pending', type: 'purchase', confirmed_at: null });
  });

  it('lists the newest transaction first', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const now = Date.now();
    const [older, newest, oldest] = await seedTransactions(suite.db, userId, [
      { createdAt: new Date(now - 2000) },
      { createdAt: new Date(now - 1000) },
      { createdAt: new Date(now - 3000) },
    ]);
    const res = await history(userId, token);
    expect(res.body.transactions.map((t: { id: string }) => t.id)).toEqual([newest, older, oldest]);
  });

  it('orders transactions of the same millisecond by id, descending', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const sameTime = new Date(Date.now() - 5000);
    const ids = await seedTransactions(suite.db, userId, Array.from({ length: 6 }, () => ({ createdAt: sameTime })));
    const res = await history(userId, token);
    expect(res.body.transactions.map((t: { id: string }) => t.id)).toEqual([...ids].sort().reverse());
  });

  it('returns 50 transactions by default, with a next_cursor, and counts them all in total', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, timesBefore(Date.now(), 60).map((createdAt) => ({ createdAt })));
    const res = await history(userId, token);
    expect(res.body.transactions).toHaveLength(50);
    expect(res.body.total).toBe(60);
    expect(typeof res.body.next_cursor).toBe('string');
  });

  it('returns next_cursor null on the last page', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, timesBefore(Date.now(), 3).map((createdAt) => ({ createdAt })));
    const res = await history(userId, token, 'limit=3');
    expect(res.body.transactions).toHaveLength(3);
    expect(res.body.next_cursor).toBeNull();
  });

  it('accepts limit=1 and returns one transaction', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, timesBefore(Date.now(), 2).map((createdAt) => ({ createdAt })));
    const res = await history(userId, token, 'limit=1');
    expect(res.status).toBe(200);
    expect(res.body.transactions).toHaveLength(1);
  });

  it('accepts limit=200 and returns up to 200 transactions', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, timesBefore(Date.now(), 205).map((createdAt) => ({ createdAt })));
    const res = await history(userId, token, 'limit=200');
    expect(res.status).toBe(200);
    expect(res.body.transactions).toHaveLength(200);
    expect(res.body.total).toBe(205);
  });

  it.each([
    ['limit=1e2', 'limit'],
    ['limit=', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=0x10', 'limit'],
    ['limit=%2010', 'limit'],
    ['type=gift', 'type'],
    ['type=DEPOSIT', 'type'],
    ['type=', 'type'],
    ['status=done', 'status'],
    ['status=', 'status'],
  ])('rejects the query %s with 400 instead of coercing it', async (query, field) => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await history(userId, token, query);
    expectValidationError(res, field);
  });

  it('filters by type, and total counts only matching rows', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const times = timesBefore(Date.now(), 7);
    const rewards = await seedTransactions(suite.db, userId, [
      { type: 'reward', createdAt: times[0] },
      { type: 'reward', createdAt: times[1] },
    ]);
    await seedTransactions(suite.db, userId, [
      { type: 'deposit', createdAt: times[2] },
      { type: 'purchase', status: 'pending', createdAt: times[3] },
      { type: 'refund', createdAt: times[4] },
    ]);
    const res = await history(userId, token, 'type=reward');
    expect(res.body.total).toBe(2);
    expect(res.body.transactions.map((t: { id: string }) => t.id)).toEqual(rewards);
  });

  it('filters by status, and total counts only matching rows', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const times = timesBefore(Date.now(), 5);
    await seedTransactions(suite.db, userId, [
      { status: 'completed', createdAt: times[0] },
      { status: 'failed', type: 'purchase', createdAt: times[1] },
      { status: 'cancelled', type: 'withdrawal', createdAt: times[2] },
      { status: 'failed', type: 'sale', createdAt: times[3] },
    ]);
    const res = await history(userId, token, 'status=failed');
    expect(res.body.total).toBe(2);
    expect(res.body.transactions.map((t: { type: string }) => t.type)).toEqual(['purchase', 'sale']);
  });

  it('combines the type and status filters', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const times = timesBefore(Date.now(), 4);
    const [wanted] = await seedTransactions(suite.db, userId, [
      { type: 'purchase', status: 'pending', createdAt: times[0] },
      { type: 'purchase', status: 'completed', createdAt: times[1] },
      { type: 'deposit', status: 'pending', createdAt: times[2] },
    ]);
    const res = await history(userId, token, 'type=purchase&status=pending');
    expect(res.body.total).toBe(1);
    expect(res.body.transactions.map((t: { id: string }) => t.id)).toEqual([wanted]);
  });

  it('pages through a filtered history with the filter kept on every page', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const times = timesBefore(Date.now(), 10);
    const seeded = await seedTransactions(
      suite.db,
      userId,
      times.map((createdAt, i) => ({ createdAt, type: i % 2 === 0 ? 'reward' : 'deposit' })),
    );
    const rewards = seeded.filter((_, i) => i % 2 === 0);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await history(userId, token, `type=reward&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.body.total).toBe(5);
      seen.push(...res.body.transactions.map((t: { id: string }) => t.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(rewards);
  });

  it('returns every row exactly once through next_cursor, even while new rows arrive', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const now = Date.now() - 60_000;
    const sameMillisecond = new Date(now - 30_500);
    const rows: SeedRow[] = [
      ...timesBefore(now, 30).map((createdAt) => ({ createdAt })),
      ...Array.from({ length: 8 }, () => ({ createdAt: sameMillisecond })),
    ];
    const seeded = await seedTransactions(suite.db, userId, rows);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await history(userId, token, `limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.transactions.map((t: { id: string }) => t.id));
      cursor = res.body.next_cursor;
      pages += 1;
      // New activity between pages: a faucet credit, newer than everything already listed.
      await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 1 } });
    } while (cursor && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...seeded].sort());
  });

  it('keeps the newest-first order across pages', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const seeded = await seedTransactions(suite.db, userId, timesBefore(Date.now(), 9).map((createdAt) => ({ createdAt })));
    const first = await history(userId, token, 'limit=4');
    const second = await history(userId, token, `limit=4&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    const third = await history(userId, token, `limit=4&cursor=${encodeURIComponent(second.body.next_cursor)}`);
    const ids = [first, second, third].flatMap((page) => page.body.transactions.map((t: { id: string }) => t.id));
    expect(ids).toEqual(seeded);
    expect(third.body.next_cursor).toBeNull();
  });

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-cursor'],
    ['an over-long string', 'A'.repeat(500)],
    ['base64 of garbage', Buffer.from('hello|world').toString('base64url')],
    ['a cursor with a bad time', Buffer.from(`yesterday|${NIL_USER_ID}`).toString('base64url')],
    ['a cursor with a time of the right shape that is no time', Buffer.from(`2026-13-45 99:99:99.999|${NIL_USER_ID}`).toString('base64url')],
    ['a cursor with a day its month does not have', Buffer.from(`2026-02-30 10:00:00.000|${NIL_USER_ID}`).toString('base64url')],
    ['a cursor with an extra part', Buffer.from(`2026-01-01 00:00:00.000|${NIL_USER_ID}|x`).toString('base64url')],
    ['a cursor with SQL in it', Buffer.from("2026-01-01 00:00:00.000' OR 1=1 --|x").toString('base64url')],
  ])('rejects %s as cursor with 400', async (_label, cursor) => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await history(userId, token, `cursor=${encodeURIComponent(cursor)}`);
    expectRestError(res, 400, 'BAD_REQUEST');
  });

  it('shows a user none of another user\'s transactions', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${bob.userId}/faucet`, { token: bob.token, body: {} });
    const res = await history(alice.userId, alice.token);
    expect(res.body.total).toBe(0);
    expect(res.body.transactions).toEqual([]);
  });

  it('refuses another user\'s history with 403', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    const res = await history(bob.userId, alice.token);
    expectRestError(res, 403, 'FORBIDDEN');
  });

  it('refuses the history of a user_id that does not exist with 403', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await history(NIL_USER_ID, token);
    expectRestError(res, 403, 'FORBIDDEN');
  });

  it('rejects a malformed user_id with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', '/api/users/me-myself/transactions', { token });
    expectValidationError(res, 'user_id');
  });

  it('answers 401 without a token', async () => {
    const { userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'GET', `/api/users/${userId}/transactions`);
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('serves the same page over tRPC, where limit is a number', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await seedTransactions(suite.db, userId, timesBefore(Date.now(), 3).map((createdAt) => ({ createdAt })));
    const input = encodeURIComponent(JSON.stringify({ user_id: userId, limit: 2 }));
    const res = await api(suite.url, 'GET', `/trpc/users.transactions?input=${input}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.result.data.total).toBe(3);
    expect(res.body.result.data.transactions).toHaveLength(2);
  });
});
