// @vitest-environment happy-dom
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOGGED_OUT_MESSAGE, SESSION_EXPIRED_MESSAGE, useSessionStore } from '../../client/stores/session';
import { useWalletStore } from '../../client/stores/wallet';
import { DEMO_WALLET_STORAGE_KEY } from '../../client/utils/demoWallet';
import { freshPinia, revokeFromOutside, startClientServer, tokenIsAccepted, type ClientServer } from './harness';

const AITBC_DEMO_ADDRESS = /^aitbc1[a-z2-7]{38}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('useSessionStore against the real server', () => {
  let exchange: ClientServer;

  beforeAll(async () => {
    exchange = await startClientServer();
  });
  afterAll(async () => {
    await exchange?.stop();
  });
  beforeEach(() => {
    freshPinia();
  });

  it('creates a demo wallet on first connect and signs in to a new account', async () => {
    const session = useSessionStore();
    await session.connect();

    const stored = localStorage.getItem(DEMO_WALLET_STORAGE_KEY);
    expect(stored).toMatch(AITBC_DEMO_ADDRESS);
    expect(session.isConnected).toBe(true);
    expect(session.error).toBeNull();
    expect(session.isNewUser).toBe(true);
    expect(session.account?.wallet_address).toBe(stored);
    expect(session.account?.username).toBe(`user_${stored!.slice(-8)}`);
    expect(session.account?.user_id).toMatch(UUID);
    expect(session.token).toMatch(/^\S{32,}$/);
    expect(await tokenIsAccepted(exchange.url, session.token!)).toBe(true);
  });

  it('keeps the session token out of localStorage and out of the URL', async () => {
    const session = useSessionStore();
    await session.connect();
    const token = session.token!;

    expect(Object.keys(localStorage)).toEqual([DEMO_WALLET_STORAGE_KEY]);
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).not.toContain(token);
    expect(window.location.href).not.toContain(token);
  });

  it('signs a returning visitor in to the same account with the remembered address', async () => {
    const first = useSessionStore();
    await first.connect();
    const userId = first.account!.user_id;
    const firstToken = first.token;

    // A reload: new stores, same localStorage.
    const address = localStorage.getItem(DEMO_WALLET_STORAGE_KEY)!;
    freshPinia();
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, address);
    const again = useSessionStore();
    await again.resume();

    expect(again.isConnected).toBe(true);
    expect(again.isNewUser).toBe(false);
    expect(again.account?.user_id).toBe(userId);
    expect(again.account?.wallet_address).toBe(address);
    expect(again.token).not.toBe(firstToken);
  });

  it('does not sign in on start-up when no wallet is remembered', async () => {
    const session = useSessionStore();
    await session.resume();

    expect(session.isConnected).toBe(false);
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBeNull();
  });

  it('replaces a remembered value that is not a valid address with a new demo wallet', async () => {
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, 'not-a-wallet');
    const session = useSessionStore();
    await session.connect();

    expect(session.isConnected).toBe(true);
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toMatch(AITBC_DEMO_ADDRESS);
  });

  it('logs out on the server and clears every trace of the user from the stores', async () => {
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.requestFaucet();
    const token = session.token!;
    const address = session.account!.wallet_address;
    expect(wallet.transactions).toHaveLength(1);

    await session.logout();

    expect(await tokenIsAccepted(exchange.url, token)).toBe(false);
    expect(session.token).toBeNull();
    expect(session.account).toBeNull();
    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe(LOGGED_OUT_MESSAGE);
    expect(wallet.balance).toBeNull();
    expect(wallet.transactions).toEqual([]);
    expect(wallet.total).toBe(0);
    expect(wallet.nextCursor).toBeNull();
    expect(wallet.lastFaucetCredit).toBeNull();
    // The demo wallet itself stays on the device, so the same account comes back.
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBe(address);
  });

  it('signs the user out with a message when the server answers 401', async () => {
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.load();
    expect(wallet.balance?.balance_exact).toBe('0.00000000');

    await revokeFromOutside(exchange.url, session.token!);
    await wallet.load();

    expect(session.isConnected).toBe(false);
    expect(session.token).toBeNull();
    expect(session.notice).toBe(SESSION_EXPIRED_MESSAGE);
    expect(wallet.balance).toBeNull();
    expect(wallet.error).toBeNull();
  });

  it('reports an unreachable server as an error and stays signed out', async () => {
    const down = await startClientServer();
    await down.stop();
    try {
      const session = useSessionStore();
      await session.connect();

      expect(session.isConnected).toBe(false);
      expect(session.connecting).toBe(false);
      expect(session.error).toBe('Cannot reach the exchange. Check your connection and try again.');
    } finally {
      // Back to the running server for the other tests.
      (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${exchange.url}/`);
    }
  });
});

describe('useSessionStore when the session reaches its lifetime', () => {
  let exchange: ClientServer;

  beforeAll(async () => {
    exchange = await startClientServer({ SESSION_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('signs out with the expiry message once the server stops accepting the token', async () => {
    freshPinia();
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.load();
    expect(wallet.balance?.balance_exact).toBe('0.00000000');

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await wallet.requestFaucet();

    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe(SESSION_EXPIRED_MESSAGE);
    expect(wallet.balance).toBeNull();
    expect(wallet.faucetError).toBeNull();
  });
});
