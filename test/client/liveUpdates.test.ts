// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_EXPIRED_MESSAGE, useSessionStore } from '../../client/stores/session';
import { useWalletStore } from '../../client/stores/wallet';
import { readDemoWallet } from '../../client/utils/demoWallet';
import { buy } from '../api/exchange.support.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { api } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import {
  freshPinia,
  fundOverRest,
  loginNewUser,
  pointPageAt,
  signInElsewhere,
  startClientServer,
  stopLiveUpdates,
  useClientServer,
} from './harness';

/** The contract: an event reaches its owner within one second of the change. */
const WITHIN_ONE_SECOND = { timeout: 1_000, interval: 20 };

async function signedInAndLive() {
  const session = useSessionStore();
  const wallet = useWalletStore();
  await session.connect();
  if (!session.isConnected) throw new Error(`connect failed: ${session.error}`);
  await wallet.load();
  await vi.waitFor(() => expect(wallet.liveStatus).toBe('live'), { timeout: 3_000 });
  // A second device of the same person, to make changes the page did not ask for.
  const elsewhere = await signInElsewhere(`${location.protocol}//${location.host}`, readDemoWallet()!);
  return { session, wallet, elsewhere };
}

/** The tRPC procedures the page calls from now on (the real fetch still does the work). */
function watchProcedureCalls(): () => string[] {
  const spy = vi.spyOn(globalThis, 'fetch');
  return () =>
    spy.mock.calls.flatMap(([input]) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, location.href);
      return url.pathname.startsWith('/trpc/') ? url.pathname.slice('/trpc/'.length).split(',') : [];
    });
}

describe('live balance and history from users.events', () => {
  const exchange = useClientServer();
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('opens the stream on sign-in and reports it live', async () => {
    const session = useSessionStore();
    const wallet = useWalletStore();
    expect(wallet.liveStatus).toBe('off');

    await session.connect();
    expect(['connecting', 'live']).toContain(wallet.liveStatus);
    await vi.waitFor(() => expect(wallet.liveStatus).toBe('live'), { timeout: 3_000 });
  });

  it('shows a credit made on another device, balance and history, without asking the server', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    const procedureCalls = watchProcedureCalls();

    await fundOverRest(exchange.url, elsewhere.token, session.userId!, '12.5');

    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('12.50000000'), WITHIN_ONE_SECOND);
    await vi.waitFor(() => expect(wallet.transactions).toHaveLength(1), WITHIN_ONE_SECOND);
    expect(wallet.transactions[0]).toMatchObject({
      type: 'deposit',
      status: 'completed',
      amount_exact: '12.50000000',
      description: 'Demo faucet',
    });
    expect(wallet.total).toBe(1);
    expect(wallet.balance).toMatchObject({ user_id: session.userId, address: session.account?.wallet_address, balance: 12.5 });
    expect(wallet.lastEventId).toMatch(/^\d+$/);
    expect(['balance', 'transaction']).toContain(wallet.lastEvent?.type);
    // No polling, no refetch: the stream alone brought the change (and the watch does see calls).
    expect(procedureCalls()).toEqual([]);
    await wallet.load();
    expect(procedureCalls()).toEqual(['users.balance', 'users.transactions']);
  });

  it('hands every event, in order, to listeners registered with onLiveEvent', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    const seen: Array<{ type: string; balanceShown: string | undefined }> = [];
    const stopListening = wallet.onLiveEvent((event) =>
      seen.push({ type: event.type, balanceShown: wallet.balance?.balance_exact }),
    );

    await fundOverRest(exchange.url, elsewhere.token, session.userId!, '3');
    await vi.waitFor(() => expect(seen).toHaveLength(2), WITHIN_ONE_SECOND);
    stopListening();
    await fundOverRest(exchange.url, elsewhere.token, session.userId!, '4');
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('7.00000000'), WITHIN_ONE_SECOND);

    // One credit is a balance event and a transaction event; the store has applied each before listeners run.
    expect(seen.map((entry) => entry.type).sort()).toEqual(['balance', 'transaction']);
    expect(seen.find((entry) => entry.type === 'balance')?.balanceShown).toBe('3.00000000');
    expect(seen).toHaveLength(2);
  });

  it('puts a new transaction on top and counts it', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    await fundOverRest(exchange.url, elsewhere.token, session.userId!, '1');
    await vi.waitFor(() => expect(wallet.transactions).toHaveLength(1), WITHIN_ONE_SECOND);

    await fundOverRest(exchange.url, elsewhere.token, session.userId!, '2');

    await vi.waitFor(() => expect(wallet.transactions.map((tx) => tx.amount_exact)).toEqual(['2.00000000', '1.00000000']), WITHIN_ONE_SECOND);
    expect(wallet.total).toBe(2);
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('3.00000000'), WITHIN_ONE_SECOND);
  });

  it('updates a pending purchase in place, by id, when its payment is confirmed', async () => {
    const { wallet, elsewhere } = await signedInAndLive();

    const payment = await buy(exchange.url, elsewhere.token, '1000');
    await vi.waitFor(() => expect(wallet.transactions[0]?.id).toBe(payment.transaction_id), WITHIN_ONE_SECOND);
    expect(wallet.transactions[0]).toMatchObject({ type: 'purchase', status: 'pending', amount_exact: '1000.00000000', confirmed_at: null });
    expect(wallet.lastEvent).toMatchObject({ type: 'transaction', transaction_type: 'purchase', id: payment.transaction_id, status: 'pending' });

    const simulated = await api(exchange.url, 'POST', `/api/exchange/simulate-payment/${payment.payment_id}`, { token: elsewhere.token });
    expect(simulated.status).toBe(200);

    await vi.waitFor(() => expect(wallet.transactions[0]?.status).toBe('completed'), WITHIN_ONE_SECOND);
    expect(wallet.transactions).toHaveLength(1);
    expect(wallet.total).toBe(1);
    expect(wallet.transactions[0]).toMatchObject({ id: payment.transaction_id, fee_exact: '5.00000000' });
    expect(wallet.transactions[0].confirmed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('995.00000000'), WITHIN_ONE_SECOND);
  });

  it('never receives another user\'s changes', async () => {
    const { wallet } = await signedInAndLive();
    const stranger = await loginNewUser(exchange.url);

    await fundOverRest(exchange.url, stranger.token, stranger.userId, '77');
    await new Promise((resolve) => setTimeout(resolve, 700));

    expect(wallet.balance?.balance_exact).toBe('0.00000000');
    expect(wallet.transactions).toEqual([]);
    expect(wallet.lastEvent).toBeNull();
  });

  it('closes the stream on logout, so later changes reach nothing', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    const userId = session.userId!;

    await session.logout();
    expect(wallet.liveStatus).toBe('off');
    await fundOverRest(exchange.url, elsewhere.token, userId, '5');
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(wallet.balance).toBeNull();
    expect(wallet.transactions).toEqual([]);
    expect(wallet.lastEvent).toBeNull();
    expect(wallet.liveStatus).toBe('off');
  });

  it('signs out at once, with the expiry message, when another device ends this session', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    const listed = await api(exchange.url, 'GET', '/api/users/me/sessions', { token: elsewhere.token });
    const thisPage = (listed.body.sessions as Array<{ id: string; current: boolean }>).filter((entry) => !entry.current);
    expect(thisPage).toHaveLength(1);

    const ended = await api(exchange.url, 'DELETE', `/api/users/me/sessions/${thisPage[0].id}`, { token: elsewhere.token });
    expect(ended.status).toBe(200);

    await vi.waitFor(() => expect(session.isConnected).toBe(false), { timeout: 2_000 });
    expect(session.notice).toBe(SESSION_EXPIRED_MESSAGE);
    expect(wallet.liveStatus).toBe('off');
    expect(wallet.balance).toBeNull();
  });
});

describe('live updates across a dropped connection', () => {
  let database: TestDatabase;
  let port: number;
  let server: RunningServer;

  async function startOnFixedPort(): Promise<RunningServer> {
    const started = await startTestServer(database.url, { PORT: String(port) });
    pointPageAt(started.url);
    return started;
  }

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const first = await startClientServer({}, database);
    port = Number(new URL(first.url).port);
    server = first.server;
  });
  afterAll(async () => {
    stopLiveUpdates();
    await server?.stop();
    await database?.drop();
  });
  beforeEach(() => {
    freshPinia();
  });

  /**
   * Stops the server the page is connected to, credits the wallet through another server process
   * on the same database while the page cannot hear, then brings the first server back.
   */
  async function creditWhileDisconnected(wallet: ReturnType<typeof useWalletStore>, userId: string, amount: string) {
    await server.stop();
    try {
      await vi.waitFor(() => expect(wallet.liveStatus).toBe('reconnecting'), { timeout: 3_000 });
      // The page's origin is the public one, so this test (running in the page) may call it.
      const other = await startTestServer(database.url, { PUBLIC_ORIGIN: `http://127.0.0.1:${port}` });
      try {
        const elsewhere = await signInElsewhere(other.url, readDemoWallet()!);
        await fundOverRest(other.url, elsewhere.token, userId, amount);
      } finally {
        await other.stop();
      }
    } finally {
      server = await startOnFixedPort();
    }
  }

  it('reconnects and replays what it missed, resuming after the last event id', async () => {
    const { session, wallet, elsewhere } = await signedInAndLive();
    await fundOverRest(server.url, elsewhere.token, session.userId!, '1');
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('1.00000000'), WITHIN_ONE_SECOND);
    expect(wallet.lastEventId).not.toBeNull();

    await creditWhileDisconnected(wallet, session.userId!, '2');

    await vi.waitFor(() => expect(wallet.liveStatus).toBe('live'), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('3.00000000'), { timeout: 2_000 });
    await vi.waitFor(() => expect(wallet.transactions.map((tx) => tx.amount_exact)).toEqual(['2.00000000', '1.00000000']));
    expect(wallet.total).toBe(2);
    expect(session.isConnected).toBe(true);
  });

  it('catches up once when it reconnects before any event gave it an id to resume from', async () => {
    const { session, wallet } = await signedInAndLive();
    expect(wallet.lastEventId).toBeNull();

    await creditWhileDisconnected(wallet, session.userId!, '4');

    await vi.waitFor(() => expect(wallet.liveStatus).toBe('live'), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('4.00000000'), { timeout: 2_000 });
    expect(wallet.transactions.map((tx) => tx.amount_exact)).toEqual(['4.00000000']);
    expect(session.isConnected).toBe(true);
  });
});
