import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { useWalletStore } from '../../client/stores/wallet';
import { demoWalletFromSecretKey, storeDemoWallet, type DemoWallet } from '../../client/utils/demoWallet';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import { api, loginNewUser } from '../support/http.js';
import { newAitbcWallet, secretKeyHex, signedLoginOk } from '../support/signin.js';

/** Sign-in rate limits off: the client tests log in many times from one address. */
const NO_SIGNIN_LIMITS = { SIGNIN_LIMIT_PER_IP: '0', SIGNIN_LIMIT_PER_ADDRESS: '0' };

export interface ClientServer {
  url: string;
  database: TestDatabase;
  server: RunningServer;
  stop(): Promise<void>;
}

interface HappyDomWindow {
  happyDOM: { setURL(url: string): void };
}

/**
 * Makes the happy-dom page live at `url`, so the client's relative `/trpc` calls reach that
 * server from the same origin, exactly as in the browser.
 */
export function pointPageAt(url: string): void {
  (window as unknown as HappyDomWindow).happyDOM.setURL(`${url}/`);
}

/** The real exchange server on a fresh temporary SQLite database, with the page pointed at it. */
export async function startClientServer(env: Record<string, string> = {}, database?: TestDatabase): Promise<ClientServer> {
  const db = database ?? (await createTestDatabase('sqlite'));
  const server = await startTestServer(db.url, { ...NO_SIGNIN_LIMITS, ...env });
  pointPageAt(server.url);
  return {
    url: server.url,
    database: db,
    server,
    async stop() {
      await server.stop();
      if (!database) await db.drop();
    },
  };
}

/**
 * A describe's real server for store and component tests: started before its tests and stopped
 * after them, with a fresh Pinia and the page pointed at it before each test.
 */
export function useClientServer(env: Record<string, string> = {}): { readonly url: string; readonly pinia: Pinia } {
  let exchange: ClientServer | undefined;
  let pinia: Pinia | undefined;
  beforeAll(async () => {
    exchange = await startClientServer(env);
  });
  afterAll(async () => {
    stopLiveUpdates();
    await exchange?.stop();
  });
  beforeEach(() => {
    pinia = freshPinia();
    pointPageAt(exchange!.url);
  });
  return {
    get url() {
      return exchange!.url;
    },
    get pinia() {
      return pinia!;
    },
  };
}

let activePinia: Pinia | null = null;

/** Closes the live subscription of a Pinia's wallet store, if it has one (stores outlive unmounting). */
export function stopLiveUpdates(pinia: Pinia | null = activePinia): void {
  if (pinia && 'wallet' in pinia.state.value) useWalletStore(pinia).stopLive();
}

/**
 * A fresh Pinia, active for stores used outside components, and an empty localStorage. The
 * previous test's live subscription is closed first, so streams do not pile up on the server.
 */
export function freshPinia(): Pinia {
  stopLiveUpdates();
  localStorage.clear();
  const pinia = createPinia();
  setActivePinia(pinia);
  activePinia = pinia;
  return pinia;
}

/**
 * A demo key wallet created outside the client (as another browser of the same person would
 * hold it), signed in once over REST so its account exists; the wallet is then remembered in
 * this page's localStorage exactly as the client stores it.
 */
export async function rememberSignedUpKeyWallet(baseUrl: string): Promise<{ wallet: DemoWallet; token: string; userId: string }> {
  const keyWallet = newAitbcWallet();
  const { token, userId } = await signedLoginOk(baseUrl, keyWallet);
  const wallet = demoWalletFromSecretKey(secretKeyHex(keyWallet));
  storeDemoWallet(wallet);
  return { wallet, token, userId };
}

/** Another session for the holder of `wallet` (a second device), signed over REST. */
export async function signInElsewhere(baseUrl: string, wallet: DemoWallet, headers: Record<string, string> = {}) {
  const keyWallet = newAitbcWallet(Uint8Array.from(Buffer.from(wallet.secretKeyHex, 'hex')));
  return signedLoginOk(baseUrl, keyWallet, { headers });
}

/** Whether the server still accepts `token` (checked over REST, outside the client). */
export async function tokenIsAccepted(baseUrl: string, token: string): Promise<boolean> {
  const res = await api(baseUrl, 'GET', '/api/users/me', { token });
  return res.status === 200;
}

/** Ends a session from outside the client, as an expiry or another tab's logout would. */
export async function revokeFromOutside(baseUrl: string, token: string): Promise<void> {
  const res = await api(baseUrl, 'POST', '/api/users/logout', { token });
  if (res.status !== 200) throw new Error(`logout failed: ${res.status}`);
}

/** Credits a wallet through the faucet over REST (to build up history quickly). */
export async function fundOverRest(baseUrl: string, token: string, userId: string, amount: string): Promise<void> {
  const res = await api(baseUrl, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount } });
  if (res.status !== 200) throw new Error(`faucet failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export { loginNewUser };
