// @vitest-environment happy-dom
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LEGACY_WALLET_RETIRED_MESSAGE,
  LOGGED_OUT_ETHEREUM_MESSAGE,
  LOGGED_OUT_MESSAGE,
  NO_ETHEREUM_WALLET_MESSAGE,
  SESSION_EXPIRED_MESSAGE,
  WALLET_FORGOTTEN_MESSAGE,
  useSessionStore,
} from '../../client/stores/session';
import { useWalletStore } from '../../client/stores/wallet';
import {
  DEMO_WALLET_STORAGE_KEY,
  LAST_WALLET_STORAGE_KEY,
  LEGACY_WALLET_STORAGE_KEY,
  demoWalletFromSecretKey,
  readDemoWallet,
} from '../../client/utils/demoWallet';
import type { Eip1193Provider } from '../../client/utils/ethereum';
import { createTestDatabase } from '../support/databases.js';
import { api } from '../support/http.js';
import {
  type ClientServer,
  freshPinia,
  loginNewUser,
  pointPageAt,
  rememberSignedUpKeyWallet,
  revokeFromOutside,
  signInElsewhere,
  startClientServer,
  stopLiveUpdates,
  tokenIsAccepted,
  useClientServer,
} from './harness';

const AITBC_KEY_ADDRESS = /^aitbc1[02-9ac-hj-np-z]{38}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PRODUCTION_ENV = {
  DEMO_MODE: 'false',
  WEBHOOK_SECRET: 'client-test-webhook-secret-0123456789',
  BTC_PAYMENT_ADDRESS: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
};

/** An address-only login of `address`: refused (401) once the wallet has proven its key. */
async function addressOnlyLoginStatus(baseUrl: string, address: string): Promise<number> {
  return (await api(baseUrl, 'POST', '/api/users/login', { body: { wallet_address: address } })).status;
}

/**
 * An EIP-1193 provider backed by a viem local account: a real Ethereum key signing for real, as
 * MetaMask would, with every request it gets recorded.
 */
function localAccountProvider(opts: { declineSigning?: boolean } = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  const requests: Array<{ method: string; params: unknown[] }> = [];
  const provider: Eip1193Provider = {
    async request({ method, params = [] }) {
      requests.push({ method, params });
      if (method === 'eth_requestAccounts') return [account.address];
      if (method === 'personal_sign') {
        if (opts.declineSigning) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
        const [message, address] = params as [`0x${string}`, string];
        if (address !== account.address) throw Object.assign(new Error('Unknown account'), { code: 4100 });
        return account.signMessage({ message: { raw: message } });
      }
      throw Object.assign(new Error(`Unsupported method ${method}`), { code: 4200 });
    },
  };
  return { account, provider, requests };
}

describe('useSessionStore with the browser key wallet', () => {
  const exchange = useClientServer();

  it('creates a key pair on first connect and signs in to the account of its address', async () => {
    const session = useSessionStore();
    await session.connect();

    const wallet = readDemoWallet()!;
    expect(wallet.address).toMatch(AITBC_KEY_ADDRESS);
    expect(session.error).toBeNull();
    expect(session.isConnected).toBe(true);
    expect(session.walletKind).toBe('browser');
    expect(session.isNewUser).toBe(true);
    expect(session.account?.wallet_address).toBe(wallet.address);
    expect(session.account?.username).toBe(`user_${wallet.address.slice(-8)}`);
    expect(session.account?.user_id).toMatch(UUID);
    expect(await tokenIsAccepted(exchange.url, session.token!)).toBe(true);
  });

  it('proves the key: the wallet is claimed, so an address-only login to it is refused', async () => {
    const session = useSessionStore();
    await session.connect();

    expect(await addressOnlyLoginStatus(exchange.url, session.account!.wallet_address)).toBe(401);
  });

  it('keeps the secret key and address in localStorage, and the session token nowhere but memory', async () => {
    const session = useSessionStore();
    await session.connect();
    const token = session.token!;

    expect(Object.keys(localStorage).sort()).toEqual([DEMO_WALLET_STORAGE_KEY, LAST_WALLET_STORAGE_KEY]);
    expect(localStorage.getItem(LAST_WALLET_STORAGE_KEY)).toBe('browser');
    for (const key of Object.keys(localStorage)) expect(localStorage.getItem(key)).not.toContain(token);
    expect(window.location.href).not.toContain(token);
  });

  it('signs a returning visitor in again by signing a new challenge with the remembered key', async () => {
    const first = useSessionStore();
    await first.connect();
    const userId = first.account!.user_id;
    const firstToken = first.token;

    // A reload: new stores, same localStorage.
    const stored = { ...localStorage };
    freshPinia();
    for (const [key, value] of Object.entries(stored)) localStorage.setItem(key, value);
    const again = useSessionStore();
    await again.resume();

    expect(again.isConnected).toBe(true);
    expect(again.isNewUser).toBe(false);
    expect(again.account?.user_id).toBe(userId);
    expect(again.token).not.toBe(firstToken);
    expect(await tokenIsAccepted(exchange.url, firstToken!)).toBe(true);
  });

  it('signs in to the account of a key created elsewhere (an imported or copied wallet)', async () => {
    const { wallet, userId } = await rememberSignedUpKeyWallet(exchange.url);
    const session = useSessionStore();
    await session.resume();

    expect(session.account?.user_id).toBe(userId);
    expect(session.account?.wallet_address).toBe(wallet.address);
    expect(session.isNewUser).toBe(false);
  });

  it('does not sign in on start-up when no wallet is remembered', async () => {
    const session = useSessionStore();
    await session.resume();

    expect(session.isConnected).toBe(false);
    expect(localStorage.length).toBe(0);
  });

  it('replaces a remembered value that is not a key wallet with a new one', async () => {
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, '{"secret_key":"not-a-key"}');
    const session = useSessionStore();
    await session.connect();

    expect(session.isConnected).toBe(true);
    expect(session.account?.wallet_address).toBe(readDemoWallet()?.address);
  });

  it('exports the secret key that derives the signed-in address', async () => {
    const session = useSessionStore();
    await session.connect();

    const exported = session.exportDemoWalletKey()!;
    expect(exported).toMatch(/^[0-9a-f]{64}$/);
    expect(demoWalletFromSecretKey(exported).address).toBe(session.account?.wallet_address);
  });

  it('logs out on the server, stops live updates and clears every trace of the user from the stores', async () => {
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.requestFaucet();
    const token = session.token!;
    const stored = localStorage.getItem(DEMO_WALLET_STORAGE_KEY);
    expect(wallet.transactions).toHaveLength(1);
    expect(wallet.liveStatus).not.toBe('off');

    await session.logout();

    expect(await tokenIsAccepted(exchange.url, token)).toBe(false);
    expect(session.token).toBeNull();
    expect(session.account).toBeNull();
    expect(session.walletKind).toBeNull();
    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe(LOGGED_OUT_MESSAGE);
    expect(wallet.liveStatus).toBe('off');
    expect(wallet.balance).toBeNull();
    expect(wallet.transactions).toEqual([]);
    expect(wallet.total).toBe(0);
    expect(wallet.lastEvent).toBeNull();
    expect(wallet.lastFaucetCredit).toBeNull();
    // The demo wallet itself stays on the device, so the same account comes back.
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBe(stored);
  });

  it('forgets the wallet: logs out and removes the key from this browser', async () => {
    const session = useSessionStore();
    await session.connect();
    const token = session.token!;

    await session.forgetWallet();

    expect(await tokenIsAccepted(exchange.url, token)).toBe(false);
    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe(WALLET_FORGOTTEN_MESSAGE);
    expect(localStorage.length).toBe(0);
  });

  it('signs the user out with a message when the server answers 401', async () => {
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.load();
    expect(wallet.balance?.balance_exact).toBe('0.00000000');

    wallet.stopLive(); // only the 401 of the next call is under test here
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
      pointPageAt(exchange.url);
    }
  });
});

describe('useSessionStore with a wallet from before signed sign-in', () => {
  const exchange = useClientServer();

  it('signs a returning address-only visitor in to their existing account in demo mode', async () => {
    const old = await loginNewUser(exchange.url);
    localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, old.address);
    const session = useSessionStore();
    await session.resume();

    expect(session.error).toBeNull();
    expect(session.walletKind).toBe('legacy');
    expect(session.account?.user_id).toBe(old.userId);
    expect(session.account?.wallet_address).toBe(old.address);
    // No key is invented for it: the address was random, no key can ever prove it.
    expect(readDemoWallet()).toBeNull();
    expect(localStorage.getItem(LEGACY_WALLET_STORAGE_KEY)).toBe(old.address);
  });

  it('switches an address-only visitor to a new key wallet and a new account', async () => {
    const old = await loginNewUser(exchange.url);
    localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, old.address);
    const session = useSessionStore();
    await session.resume();
    const legacyToken = session.token!;

    await session.switchToKeyWallet();

    const wallet = readDemoWallet()!;
    expect(session.walletKind).toBe('browser');
    expect(session.account?.wallet_address).toBe(wallet.address);
    expect(session.account?.user_id).not.toBe(old.userId);
    expect(localStorage.getItem(LEGACY_WALLET_STORAGE_KEY)).toBeNull();
    expect(await tokenIsAccepted(exchange.url, legacyToken)).toBe(false);
  });

  it('creates a key wallet instead when the server refuses address-only sign-in', async () => {
    const database = await createTestDatabase('sqlite');
    const demo = await startClientServer({}, database);
    const old = await loginNewUser(demo.url);
    await demo.stop();
    const production = await startClientServer(PRODUCTION_ENV, database);
    try {
      localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, old.address);
      const session = useSessionStore();
      await session.resume();

      expect(session.error).toBeNull();
      expect(session.walletKind).toBe('browser');
      expect(session.account?.wallet_address).toBe(readDemoWallet()?.address);
      expect(session.account?.user_id).not.toBe(old.userId);
      expect(session.notice).toBe(LEGACY_WALLET_RETIRED_MESSAGE);
      expect(localStorage.getItem(LEGACY_WALLET_STORAGE_KEY)).toBeNull();
    } finally {
      stopLiveUpdates();
      await production.stop();
      await database.drop();
      pointPageAt(exchange.url);
    }
  });
});

describe('useSessionStore with an Ethereum wallet (Sign-In with Ethereum)', () => {
  let exchange: ClientServer;

  beforeAll(async () => {
    // The sign-in message names the exchange by its public origin, not by the address it listens on.
    exchange = await startClientServer({ PUBLIC_ORIGIN: 'https://exchange.example' });
  });
  afterAll(async () => {
    stopLiveUpdates();
    await exchange?.stop();
  });
  beforeEach(() => {
    freshPinia();
    pointPageAt(exchange.url);
  });

  it('asks for the account, has the wallet sign the server\'s SIWE message and signs in', async () => {
    const { account, provider, requests } = localAccountProvider();
    const session = useSessionStore();
    await session.connectEthereum(provider);

    expect(session.error).toBeNull();
    expect(session.walletKind).toBe('ethereum');
    expect(session.account?.wallet_address).toBe(account.address.toLowerCase());
    expect(session.isNewUser).toBe(true);
    expect(requests.map((request) => request.method)).toEqual(['eth_requestAccounts', 'personal_sign']);
    const [hexMessage, signer] = requests[1].params as [string, string];
    const message = Buffer.from(hexMessage.slice(2), 'hex').toString('utf8');
    expect(message).toMatch(new RegExp(`^exchange\\.example wants you to sign in with your Ethereum account:\n${account.address}\n`));
    expect(message).toContain('\nURI: https://exchange.example\n');
    expect(signer).toBe(account.address);
    expect(await tokenIsAccepted(exchange.url, session.token!)).toBe(true);
  });

  it('remembers no key and does not open the wallet by itself after a reload', async () => {
    const { provider } = localAccountProvider();
    const session = useSessionStore();
    await session.connectEthereum(provider);

    expect(Object.keys(localStorage)).toEqual([LAST_WALLET_STORAGE_KEY]);
    expect(localStorage.getItem(LAST_WALLET_STORAGE_KEY)).toBe('ethereum');
    await session.logout();
    expect(session.notice).toBe(LOGGED_OUT_ETHEREUM_MESSAGE);

    const stored = { ...localStorage };
    freshPinia();
    for (const [key, value] of Object.entries(stored)) localStorage.setItem(key, value);
    const again = useSessionStore();
    await again.resume();
    expect(again.isConnected).toBe(false);
  });

  it('stays signed out with a clear message when the user declines to sign', async () => {
    const { provider, requests } = localAccountProvider({ declineSigning: true });
    const session = useSessionStore();
    await session.connectEthereum(provider);

    expect(session.isConnected).toBe(false);
    expect(session.connecting).toBe(false);
    expect(session.error).toBe('You declined the request in your Ethereum wallet. Nothing was signed.');
    expect(requests.map((request) => request.method)).toEqual(['eth_requestAccounts', 'personal_sign']);
  });

  it('says so when there is no Ethereum wallet in the browser', async () => {
    const session = useSessionStore();
    await session.connectEthereum(null);

    expect(session.error).toBe(NO_ETHEREUM_WALLET_MESSAGE);
    expect(session.isConnected).toBe(false);
  });
});

describe('useSessionStore session control', () => {
  const exchange = useClientServer();

  const FIREFOX_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0';

  async function signedInWithSecondDevice() {
    const session = useSessionStore();
    await session.connect();
    const other = await signInElsewhere(exchange.url, readDemoWallet()!, { 'User-Agent': FIREFOX_ON_MAC });
    await session.loadSessions();
    return { session, other };
  }

  it('lists this session first, marked current, and the other device with its user agent and IP', async () => {
    const { session } = await signedInWithSecondDevice();

    expect(session.sessionsError).toBeNull();
    expect(session.sessions).toHaveLength(2);
    const [current, other] = session.sessions;
    expect(current.current).toBe(true);
    expect(current.user_agent).toBe(navigator.userAgent);
    expect(other.current).toBe(false);
    expect(other.user_agent).toBe(FIREFOX_ON_MAC);
    expect(other.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    expect(other.id).toMatch(UUID);
    expect(session.otherSessionCount).toBe(1);
  });

  it('ends another session: its token is refused at once, this one keeps working', async () => {
    const { session, other } = await signedInWithSecondDevice();
    const otherId = session.sessions.find((entry) => !entry.current)!.id;

    await session.endSession(otherId);

    expect(session.sessionsError).toBeNull();
    expect(session.sessions.map((entry) => entry.current)).toEqual([true]);
    expect(session.sessionsMessage).toBe('The session was ended. That device has to connect again.');
    expect(await tokenIsAccepted(exchange.url, other.token)).toBe(false);
    expect(await tokenIsAccepted(exchange.url, session.token!)).toBe(true);
  });

  it('drops a session that was already ended elsewhere without an error', async () => {
    const { session, other } = await signedInWithSecondDevice();
    const otherId = session.sessions.find((entry) => !entry.current)!.id;
    await revokeFromOutside(exchange.url, other.token);

    await session.endSession(otherId);

    expect(session.sessionsError).toBeNull();
    expect(session.sessions).toHaveLength(1);
  });

  it('ends every other session and says how many', async () => {
    const { session, other } = await signedInWithSecondDevice();
    const third = await signInElsewhere(exchange.url, readDemoWallet()!);

    await session.endOtherSessions();

    expect(session.sessionsMessage).toBe('Ended 2 other sessions.');
    expect(session.sessions.map((entry) => entry.current)).toEqual([true]);
    expect(await tokenIsAccepted(exchange.url, other.token)).toBe(false);
    expect(await tokenIsAccepted(exchange.url, third.token)).toBe(false);
    expect(await tokenIsAccepted(exchange.url, session.token!)).toBe(true);
  });

  it('forgets the session list on logout', async () => {
    const { session } = await signedInWithSecondDevice();
    await session.logout();

    expect(session.sessions).toEqual([]);
    expect(session.sessionsLoaded).toBe(false);
  });
});

describe('useSessionStore when the session reaches its lifetime', () => {
  let exchange: ClientServer;

  beforeAll(async () => {
    exchange = await startClientServer({ SESSION_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    stopLiveUpdates();
    await exchange?.stop();
  });

  it('signs out with the expiry message once the server stops accepting the token', async () => {
    freshPinia();
    const session = useSessionStore();
    const wallet = useWalletStore();
    await session.connect();
    await wallet.load();
    expect(wallet.balance?.balance_exact).toBe('0.00000000');

    wallet.stopLive(); // the expiry must be noticed by the next call, not by the stream
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await wallet.requestFaucet();

    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe(SESSION_EXPIRED_MESSAGE);
    expect(wallet.balance).toBeNull();
    expect(wallet.faucetError).toBeNull();
  });
});
