// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { useSessionStore } from '../../client/stores/session';
import { HISTORY_PAGE_SIZE, useWalletStore } from '../../client/stores/wallet';
import { createTestDatabase } from '../support/databases.js';
import { freshPinia, fundOverRest, startClientServer, stopLiveUpdates, useClientServer } from './harness';

async function connectedStores() {
  const session = useSessionStore();
  const wallet = useWalletStore();
  await session.connect();
  if (!session.isConnected) throw new Error(`connect failed: ${session.error}`);
  return { session, wallet };
}

describe('useWalletStore against the real server', () => {
  const exchange = useClientServer();

  it('loads a zero balance and an empty history for a new user', async () => {
    const { session, wallet } = await connectedStores();
    await wallet.load();

    expect(wallet.error).toBeNull();
    expect(wallet.loading).toBe(false);
    expect(wallet.balance?.balance_exact).toBe('0.00000000');
    expect(wallet.balance?.user_id).toBe(session.userId);
    expect(wallet.balance?.address).toBe(session.account?.wallet_address);
    expect(wallet.historyLoaded).toBe(true);
    expect(wallet.transactions).toEqual([]);
    expect(wallet.total).toBe(0);
    expect(wallet.nextCursor).toBeNull();
  });

  it('credits 1000 test AITBC from the faucet and shows the deposit in the history', async () => {
    const { wallet } = await connectedStores();
    await wallet.load();
    await wallet.requestFaucet();

    expect(wallet.faucetError).toBeNull();
    expect(wallet.balance?.balance_exact).toBe('1000.00000000');
    expect(wallet.lastFaucetCredit).toBe('1000.00000000');
    expect(wallet.total).toBe(1);
    expect(wallet.transactions).toHaveLength(1);
    expect(wallet.transactions[0]).toMatchObject({
      type: 'deposit',
      status: 'completed',
      amount_exact: '1000.00000000',
      description: 'Demo faucet',
    });
  });

  it('adds up repeated faucet credits exactly', async () => {
    const { session, wallet } = await connectedStores();
    await fundOverRest(exchange.url, session.token!, session.userId!, '0.1');
    await fundOverRest(exchange.url, session.token!, session.userId!, '0.2');
    await wallet.load();

    expect(wallet.balance?.balance_exact).toBe('0.30000000');
    await wallet.requestFaucet();
    expect(wallet.balance?.balance_exact).toBe('1000.30000000');
    expect(wallet.lastFaucetCredit).toBe('1000.00000000');
  });

  it('pages through the history with next_cursor, newest first, each row once', async () => {
    const { session, wallet } = await connectedStores();
    const count = HISTORY_PAGE_SIZE + 3;
    for (let i = 1; i <= count; i += 1) {
      await fundOverRest(exchange.url, session.token!, session.userId!, `${i}`);
    }
    await wallet.load();

    expect(wallet.total).toBe(count);
    expect(wallet.transactions).toHaveLength(HISTORY_PAGE_SIZE);
    expect(wallet.transactions[0].amount_exact).toBe(`${count}.00000000`);
    expect(wallet.nextCursor).not.toBeNull();

    await wallet.loadMore();

    expect(wallet.transactions).toHaveLength(count);
    expect(wallet.nextCursor).toBeNull();
    expect(new Set(wallet.transactions.map((tx) => tx.id)).size).toBe(count);
    expect(wallet.transactions.map((tx) => tx.amount_exact)).toEqual(
      Array.from({ length: count }, (_, i) => `${count - i}.00000000`),
    );
  });

  it('keeps the older pages shown when a faucet credit adds a new row on top', async () => {
    const { session, wallet } = await connectedStores();
    for (let i = 1; i <= HISTORY_PAGE_SIZE + 2; i += 1) {
      await fundOverRest(exchange.url, session.token!, session.userId!, `${i}`);
    }
    wallet.stopLive(); // the faucet's own answer is under test here, not the stream
    await wallet.load();
    await wallet.loadMore();
    expect(wallet.transactions).toHaveLength(HISTORY_PAGE_SIZE + 2);

    await wallet.requestFaucet();

    expect(wallet.transactions).toHaveLength(HISTORY_PAGE_SIZE + 3);
    expect(wallet.total).toBe(HISTORY_PAGE_SIZE + 3);
    expect(wallet.transactions[0].amount_exact).toBe('1000.00000000');
    expect(wallet.transactions.at(-1)?.amount_exact).toBe('1.00000000');
    expect(new Set(wallet.transactions.map((tx) => tx.id)).size).toBe(HISTORY_PAGE_SIZE + 3);
  });

  it('forgets balance and history on reset', async () => {
    const { wallet } = await connectedStores();
    await wallet.requestFaucet();
    wallet.reset();

    expect(wallet.balance).toBeNull();
    expect(wallet.transactions).toEqual([]);
    expect(wallet.historyLoaded).toBe(false);
    expect(wallet.lastFaucetCredit).toBeNull();
  });

  it('does nothing when no one is signed in', async () => {
    const wallet = useWalletStore();
    await wallet.load();
    await wallet.requestFaucet();

    expect(wallet.balance).toBeNull();
    expect(wallet.transactions).toEqual([]);
    expect(wallet.error).toBeNull();
  });
});

describe('useWalletStore outside demo mode', () => {
  it('hides the faucet and says why when the server refuses it with 403', async () => {
    // Sign in while the exchange runs in demo mode, then restart it on the same database with
    // DEMO_MODE=false: the session survives the restart, the faucet does not.
    const database = await createTestDatabase('sqlite');
    const demo = await startClientServer({}, database);
    freshPinia();
    const { wallet } = await connectedStores();
    await demo.stop();

    const production = await startClientServer(
      {
        DEMO_MODE: 'false',
        WEBHOOK_SECRET: 'client-test-webhook-secret-0123456789',
        BTC_PAYMENT_ADDRESS: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
      },
      database,
    );
    try {
      await wallet.load();
      expect(wallet.balance?.balance_exact).toBe('0.00000000');

      await wallet.requestFaucet();

      expect(wallet.faucetAvailable).toBe(false);
      expect(wallet.faucetError).toBe('The faucet is only available in demo mode.');
      expect(wallet.balance?.balance_exact).toBe('0.00000000');
    } finally {
      stopLiveUpdates();
      await production.stop();
      await database.drop();
    }
  });
});
