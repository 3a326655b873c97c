import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, describeApiError, httpStatusOf, isUnauthorized, logoutWhileLeaving, type RouterOutputs } from '../api/trpc';
import {
  createDemoWallet,
  forgetDemoWallet,
  forgetLegacyWalletAddress,
  readDemoWallet,
  readLastWalletFamily,
  readLegacyWalletAddress,
  rememberLastWalletFamily,
  signWithDemoWallet,
  type DemoWallet,
} from '../utils/demoWallet';
import {
  describeEthereumError,
  injectedEthereumProvider,
  personalSign,
  requestEthereumAccount,
  type Eip1193Provider,
} from '../utils/ethereum';
import { useWalletStore } from './wallet';

type LoginResult = RouterOutputs['users']['login'];
/** What the app shows about the signed-in user: the login answer without its secrets. */
export type Account = Omit<LoginResult, 'session_token' | 'expires_at' | 'is_new_user'>;
/** One of the user's sessions, as `users.sessions` lists it. */
export type DeviceSession = RouterOutputs['users']['sessions']['sessions'][number];
/**
 * How the user proved (or did not prove) the wallet: `browser` = the demo key pair kept in this
 * browser; `legacy` = an address-only demo wallet from before signed sign-in; `ethereum` = an
 * injected Ethereum wallet (MetaMask) signing a Sign-In with Ethereum message.
 */
export type WalletKind = 'browser' | 'legacy' | 'ethereum';

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired. Please connect your wallet again.';
export const LOGGED_OUT_MESSAGE = 'You have been logged out. Your demo wallet stays on this device.';
export const LOGGED_OUT_ETHEREUM_MESSAGE = 'You have been logged out. Connect MetaMask to sign in again.';
export const WALLET_FORGOTTEN_MESSAGE =
  'The demo wallet was removed from this browser. Connecting again creates a new wallet and account.';
export const LEGACY_WALLET_RETIRED_MESSAGE =
  'Your earlier demo wallet had no key, and this exchange now requires a signed sign-in, so a new demo wallet with its own key was created.';
export const NO_ETHEREUM_WALLET_MESSAGE = 'No Ethereum wallet was found in this browser. Install MetaMask, then reload the page.';

/**
 * Who is signed in, and with which wallet. The session token lives here, in memory only: never in
 * localStorage, a cookie or a URL. After a reload the app signs in again by signing a new
 * challenge with the demo key remembered in this browser (a MetaMask user clicks again: a wallet
 * prompt should never open by itself).
 */
export const useSessionStore = defineStore('session', () => {
  const token = ref<string | null>(null);
  const account = ref<Account | null>(null);
  const walletKind = ref<WalletKind | null>(null);
  const isNewUser = ref(false);
  const connecting = ref(false);
  /** Which button started the sign-in in progress. */
  const connectingWith = ref<'browser' | 'ethereum' | null>(null);
  const loggingOut = ref(false);
  const error = ref<string | null>(null);
  /** An informational message for the connect screen (logged out, session expired). */
  const notice = ref<string | null>(null);

  const sessions = ref<DeviceSession[]>([]);
  const sessionsLoaded = ref(false);
  const sessionsLoading = ref(false);
  const sessionsError = ref<string | null>(null);
  const sessionsMessage = ref<string | null>(null);
  /** Ids of sessions being ended right now (buttons show progress). */
  const endingSessionIds = ref<string[]>([]);
  const endingOtherSessions = ref(false);

  const isConnected = computed(() => token.value !== null && account.value !== null);
  const userId = computed(() => account.value?.user_id ?? null);
  const otherSessionCount = computed(() => sessions.value.filter((entry) => !entry.current).length);

  function establishSession(login: LoginResult, kind: WalletKind): void {
    const { session_token, expires_at: _expiresAt, is_new_user, ...profile } = login;
    token.value = session_token;
    account.value = profile;
    walletKind.value = kind;
    isNewUser.value = is_new_user;
    notice.value = null;
    if (kind !== 'legacy') rememberLastWalletFamily(kind === 'ethereum' ? 'ethereum' : 'browser');
    useWalletStore().startLive();
  }

  /** users.challenge → sign its message → users.login: the signed sign-in of either family. */
  async function signedLogin(address: string, sign: (message: string) => string | Promise<string>): Promise<LoginResult> {
    const { message } = await api.users.challenge.mutate({ wallet_address: address });
    const signature = await sign(message);
    return api.users.login.mutate({ wallet_address: address, message, signature });
  }

  function loginWithDemoWallet(wallet: DemoWallet): Promise<LoginResult> {
    return signedLogin(wallet.address, (message) => signWithDemoWallet(wallet, message));
  }

  /**
   * A visitor from before signed sign-in has only an address, no key (the address was random, so
   * no key can ever prove it). In demo mode the server still lets such a never-proven wallet in by
   * address, so the visitor keeps their account and test AITBC, and the app offers to switch to a
   * key wallet. Where that is refused (production mode), a new key wallet takes over.
   */
  async function signInLegacyWallet(address: string): Promise<boolean> {
    const { simulation_enabled: demoMode } = await api.exchange.rates.query();
    if (demoMode) {
      try {
        establishSession(await api.users.login.mutate({ wallet_address: address }), 'legacy');
        return true;
      } catch (err) {
        if (!isUnauthorized(err)) throw err;
      }
    }
    forgetLegacyWalletAddress();
    return false;
  }

  /** Signs in with this browser's demo wallet, creating (and remembering) a key pair on the first visit. */
  async function connect(): Promise<void> {
    if (connecting.value || isConnected.value) return;
    connecting.value = true;
    connectingWith.value = 'browser';
    error.value = null;
    try {
      const remembered = readDemoWallet();
      if (remembered) {
        establishSession(await loginWithDemoWallet(remembered), 'browser');
        return;
      }
      const legacyAddress = readLegacyWalletAddress();
      if (legacyAddress && (await signInLegacyWallet(legacyAddress))) return;
      const created = createDemoWallet();
      establishSession(await loginWithDemoWallet(created), 'browser');
      if (legacyAddress) notice.value = LEGACY_WALLET_RETIRED_MESSAGE;
    } catch (err) {
      error.value = describeApiError(err);
    } finally {
      connecting.value = false;
      connectingWith.value = null;
    }
  }

  /** Sign-In with Ethereum through the injected wallet: account → challenge → personal_sign → login. */
  async function connectEthereum(provider: Eip1193Provider | null = injectedEthereumProvider()): Promise<void> {
    if (connecting.value || isConnected.value) return;
    error.value = null;
    if (!provider) {
      error.value = NO_ETHEREUM_WALLET_MESSAGE;
      return;
    }
    connecting.value = true;
    connectingWith.value = 'ethereum';
    try {
      const address = await requestEthereumAccount(provider);
      establishSession(await signedLogin(address, (message) => personalSign(provider, message, address)), 'ethereum');
    } catch (err) {
      error.value = describeEthereumError(err) ?? describeApiError(err);
    } finally {
      connecting.value = false;
      connectingWith.value = null;
    }
  }

  /** On start-up: a returning visitor with a demo wallet in this browser is signed in again. */
  async function resume(): Promise<void> {
    if (readLastWalletFamily() === 'ethereum') return;
    if (readDemoWallet() || readLegacyWalletAddress()) await connect();
  }

  /** Ends this session on the server (errors ignored: the local sign-out happens regardless). */
  async function endSessionOnServer(): Promise<void> {
    // The live stream closes first, so its ending is not mistaken for an expired session.
    useWalletStore().stopLive();
    try {
      await api.users.logout.mutate();
    } catch {
      // Already expired or unreachable.
    }
  }

  /** Ends the session on the server, then forgets everything about the user in every store. */
  async function logout(): Promise<void> {
    if (!token.value || loggingOut.value) return;
    const kind = walletKind.value;
    loggingOut.value = true;
    try {
      await endSessionOnServer();
    } finally {
      loggingOut.value = false;
    }
    clearUserData();
    notice.value = kind === 'ethereum' ? LOGGED_OUT_ETHEREUM_MESSAGE : LOGGED_OUT_MESSAGE;
  }

  /**
   * The page is being left (reload, tab closed, navigation): the token lives only in this page's
   * memory, so the session ends with it. The next visit signs in again with a new session.
   */
  function endSessionOnPageExit(): void {
    if (token.value) logoutWhileLeaving(token.value);
  }

  /** The demo wallet's secret key (hex), for the user to back up; null for any other wallet. */
  function exportDemoWalletKey(): string | null {
    if (walletKind.value !== 'browser' || !account.value) return null;
    const wallet = readDemoWallet();
    return wallet && wallet.address === account.value.wallet_address ? wallet.secretKeyHex : null;
  }

  /** Logs out and removes the demo wallet from this browser: its account is unreachable without the key. */
  async function forgetWallet(): Promise<void> {
    if (walletKind.value === 'ethereum' || loggingOut.value) return;
    loggingOut.value = true;
    try {
      if (token.value) await endSessionOnServer();
    } finally {
      loggingOut.value = false;
    }
    forgetDemoWallet();
    clearUserData();
    notice.value = WALLET_FORGOTTEN_MESSAGE;
  }

  /**
   * Leaves an address-only demo wallet for a new key wallet. The old account keeps its test
   * AITBC on the server; this browser forgets its address and signs in with the new key.
   */
  async function switchToKeyWallet(): Promise<void> {
    if (walletKind.value !== 'legacy' || loggingOut.value || connecting.value) return;
    loggingOut.value = true;
    try {
      await endSessionOnServer();
    } finally {
      loggingOut.value = false;
    }
    forgetLegacyWalletAddress();
    clearUserData();
    await connect();
  }

  /** The server refused the token (expired or revoked): sign out locally and say why. */
  function expireSession(): void {
    if (!token.value) return;
    clearUserData();
    notice.value = SESSION_EXPIRED_MESSAGE;
  }

  /** A 401 signs the user out (with a message); anything else becomes a readable error. */
  function handleSessionsFailure(err: unknown): void {
    if (isUnauthorized(err)) {
      expireSession();
      return;
    }
    if (isConnected.value) sessionsError.value = describeApiError(err);
  }

  /** This device first, then the most recently used. */
  function sortSessions(list: DeviceSession[]): DeviceSession[] {
    return [...list].sort(
      (a, b) => Number(b.current) - Number(a.current) || b.last_used_at.localeCompare(a.last_used_at),
    );
  }

  /** The user's live sessions (every device and browser signed in to this account). */
  async function loadSessions(): Promise<void> {
    const requestToken = token.value;
    if (!requestToken) return;
    sessionsLoading.value = true;
    sessionsError.value = null;
    try {
      const result = await api.users.sessions.query();
      if (token.value !== requestToken) return;
      sessions.value = sortSessions(result.sessions);
      sessionsLoaded.value = true;
    } catch (err) {
      handleSessionsFailure(err);
    } finally {
      sessionsLoading.value = false;
    }
  }

  /** Ends another session of this user: its token is refused from then on. */
  async function endSession(id: string): Promise<void> {
    if (!token.value || endingSessionIds.value.includes(id)) return;
    endingSessionIds.value = [...endingSessionIds.value, id];
    sessionsError.value = null;
    sessionsMessage.value = null;
    try {
      await api.users.revokeSession.mutate({ id });
      sessions.value = sessions.value.filter((entry) => entry.id !== id);
      sessionsMessage.value = 'The session was ended. That device has to connect again.';
    } catch (err) {
      if (httpStatusOf(err) === 404) {
        // Already ended (or expired) elsewhere: the list was out of date.
        sessions.value = sessions.value.filter((entry) => entry.id !== id);
      } else {
        handleSessionsFailure(err);
      }
    } finally {
      endingSessionIds.value = endingSessionIds.value.filter((pending) => pending !== id);
    }
  }

  /** Ends every session of this user except this one. */
  async function endOtherSessions(): Promise<void> {
    if (!token.value || endingOtherSessions.value) return;
    endingOtherSessions.value = true;
    sessionsError.value = null;
    sessionsMessage.value = null;
    try {
      const { revoked } = await api.users.logoutAll.mutate();
      sessions.value = sessions.value.filter((entry) => entry.current);
      sessionsMessage.value =
        revoked === 0 ? 'There were no other sessions to end.' : `Ended ${revoked} other ${revoked === 1 ? 'session' : 'sessions'}.`;
    } catch (err) {
      handleSessionsFailure(err);
    } finally {
      endingOtherSessions.value = false;
    }
  }

  /** Drops the token and every piece of user data held by the stores. */
  function clearUserData(): void {
    token.value = null;
    account.value = null;
    walletKind.value = null;
    isNewUser.value = false;
    error.value = null;
    sessions.value = [];
    sessionsLoaded.value = false;
    sessionsError.value = null;
    sessionsMessage.value = null;
    endingSessionIds.value = [];
    endingOtherSessions.value = false;
    useWalletStore().reset();
  }

  function dismissNotice(): void {
    notice.value = null;
  }

  function dismissWelcome(): void {
    isNewUser.value = false;
  }

  return {
    token,
    account,
    walletKind,
    isNewUser,
    connecting,
    connectingWith,
    loggingOut,
    error,
    notice,
    isConnected,
    userId,
    sessions,
    sessionsLoaded,
    sessionsLoading,
    sessionsError,
    sessionsMessage,
    endingSessionIds,
    endingOtherSessions,
    otherSessionCount,
    connect,
    connectEthereum,
    resume,
    logout,
    endSessionOnPageExit,
    exportDemoWalletKey,
    forgetWallet,
    switchToKeyWallet,
    expireSession,
    loadSessions,
    endSession,
    endOtherSessions,
    dismissNotice,
    dismissWelcome,
  };
});
