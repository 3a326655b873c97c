import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import { openSse } from '../support/sse.js';
import { createDb } from '../../server/db.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dialects)('live events (users.events) on %s', (dialect) => {
  let database: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    server = await startTestServer(database.url);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const subscribe = (token: string, query = '') =>
    openSse(`${server.url}/trpc/users.events${query}`, { 'X-Session-Token': token });

  it('sends the owner a balance and a transaction event within one second of a faucet credit', async () => {
    const user = await loginNewUser(server.url);
    const stream = await subscribe(user.token);
    await settle(100);
    const started = Date.now();
    await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: '12.5' } });
    const events = await stream.waitFor((d) => d.length >= 2, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events[0].data).toMatchObject({ type: 'balance', user_id: user.userId, balance_exact: '12.50000000', balance: 12.5 });
    expect(events[1].data).toMatchObject({
      type: 'transaction',
      transaction_type: 'deposit',
      status: 'completed',
      amount_exact: '12.50000000',
      description: 'Demo faucet',
    });
    expect(Number(events[1].id)).toBeGreaterThan(Number(events[0].id));
    stream.close();
  });

  it('never sends one user another user\'s changes', async () => {
    const watcher = await loginNewUser(server.url);
    const other = await loginNewUser(server.url);
    const stream = await subscribe(watcher.token);
    await settle(100);
    await api(server.url, 'POST', `/api/users/${other.userId}/faucet`, { token: other.token, body: { amount: 3 } });
    await api(server.url, 'POST', `/api/users/${watcher.userId}/faucet`, { token: watcher.token, body: { amount: 1 } });
    const events = await stream.waitFor((d) => d.length >= 2);
    await settle(300);
    expect(stream.dataMessages()).toHaveLength(2);
    expect(events.every((e) => e.data.user_id === undefined || e.data.user_id === watcher.userId)).toBe(true);
    expect(events[0].data.balance_exact).toBe('1.00000000');
    stream.close();
  });

  it('gives nothing without a token, or with the token only in the URL', async () => {
    const user = await loginNewUser(server.url);
    const anonymous = await openSse(`${server.url}/trpc/users.events`);
    const viaUrl = await openSse(`${server.url}/trpc/users.events?token=${user.token}&session_token=${user.token}`);
    await settle(200);
    await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: 1 } });
    await settle(500);
    expect(anonymous.dataMessages()).toHaveLength(0);
    expect(viaUrl.dataMessages()).toHaveLength(0);
    anonymous.close();
    viaUrl.close();
  });

  it('answers a stream that cannot start like any other call: 401 for an ended session, 403 for a suspended account', async () => {
    const ended = await loginNewUser(server.url);
    await api(server.url, 'POST', '/api/users/logout', { token: ended.token });
    const afterLogout = await api(server.url, 'GET', '/trpc/users.events', { token: ended.token });
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.body).toEqual({ code: 'UNAUTHORIZED', message: expect.stringMatching(/expired or was ended/) });

    const suspended = await loginNewUser(server.url);
    const db = createDb(database.url);
    try {
      await db('users').where({ id: suspended.userId }).update({ status: 'suspended' });
    } finally {
      await db.destroy();
    }
    const refused = await api(server.url, 'GET', '/trpc/users.events', { token: suspended.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ code: 'FORBIDDEN', message: 'This account is suspended.' });
  });

  it('ends the stream when the session logs out', async () => {
    const user = await loginNewUser(server.url);
    const stream = await subscribe(user.token);
    await settle(100);
    await api(server.url, 'POST', '/api/users/logout', { token: user.token });
    await expect(Promise.race([stream.ended.then(() => 'ended'), settle(1000).then(() => 'still open')])).resolves.toBe('ended');
  });

  it('ends the stream of a session revoked from another session', async () => {
    const first = await loginNewUser(server.url);
    const second = await api(server.url, 'POST', '/api/users/login', { body: { wallet_address: first.address } });
    const stream = await subscribe(first.token);
    await settle(100);
    const revoked = await api(server.url, 'POST', '/api/users/logout-all', { token: second.body.session_token });
    expect(revoked.body).toEqual({ revoked: 1 });
    await expect(Promise.race([stream.ended.then(() => 'ended'), settle(1000).then(() => 'still open')])).resolves.toBe('ended');
  });

  it('replays what happened while disconnected when resuming with lastEventId', async () => {
    const user = await loginNewUser(server.url);
    const stream = await subscribe(user.token);
    await settle(100);
    await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: 1 } });
    const first = await stream.waitFor((d) => d.length >= 2);
    stream.close();
    const lastEventId = first[first.length - 1].id!;

    await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: 2 } });
    await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: 3 } });

    const input = encodeURIComponent(JSON.stringify({ lastEventId }));
    const resumed = await subscribe(user.token, `?input=${input}`);
    const replayed = await resumed.waitFor((d) => d.length >= 4);
    expect(replayed.map((e) => e.data.balance_exact ?? e.data.amount_exact)).toEqual([
      '3.00000000', '2.00000000', '6.00000000', '3.00000000',
    ]);
    expect(replayed.every((e) => Number(e.id) > Number(lastEventId))).toBe(true);
    resumed.close();
  });

  it('publishes nothing for a change that rolled back', async () => {
    const user = await loginNewUser(server.url);
    const stream = await subscribe(user.token);
    await settle(100);
    // Over the faucet's limit: validated inside the service before the ledger writes, so nothing commits.
    const refused = await api(server.url, 'POST', `/api/users/${user.userId}/faucet`, { token: user.token, body: { amount: 10001 } });
    expect(refused.status).toBe(400);
    // A credit whose transaction row cannot be written (duplicate primary key) rolls back the balance too.
    const { db } = server.exchange.app;
    const wallet = await db('wallets').where('user_id', user.userId).first();
    const { creditWallet } = await import('../../server/services/ledger.js');
    await expect(
      db.transaction(async (trx) => {
        await creditWallet(trx, { userId: user.userId, walletId: wallet.id, type: 'deposit', amount: 5n, fee: 0n, description: 'x' });
        throw new Error('fail after the credit');
      }),
    ).rejects.toThrow('fail after the credit');
    server.exchange.app.events.userChanged(user.userId);
    await settle(500);
    expect(stream.dataMessages()).toHaveLength(0);
    expect((await db('wallets').where('id', wallet.id).first()).balance).toMatch(/^0(\.0+)?$/);
    stream.close();
  });
});
