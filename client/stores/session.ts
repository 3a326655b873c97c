import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, describeApiError, type RouterOutputs } from '../api/trpc';
import { getOrCreateDemoWalletAddress, readStoredWalletAddress } from '../utils/demoWallet';
import { useWalletStore } from './wallet';

type LoginResult = RouterOutputs['users']['login'];
/** What the app shows about the signed-in user: the login answer without its secrets. */
export type Account = Omit<LoginResult, 'session_token' | 'expires_at' | 'is_new_user'>;

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired. Please connect your wallet again.';
export const LOGGED_OUT_MESSAGE = 'You have been logged out. Your demo wallet stays on this device.';

/**
 * Who is signed in. The session token lives here, in memory only: never in localStorage, a
 * cookie or a URL. After a reload the app signs in again with the remembered wallet address.
 */
export const useSessionStore = defineStore('session', () => {
  const token = ref<string | null>(null);
  const account = ref<Account | null>(null);
  const isNewUser = ref(false);
  const connecting = ref(false);
  const loggingOut = ref(false);
  const error = ref<string | null>(null);
  /** An informational message for the connect screen (logged out, session expired). */
  const notice = ref<string | null>(null);

  const isConnected = computed(() => token.value !== null && account.value !== null);
  const userId = computed(() => account.value?.user_id ?? null);

  /** Signs in with this browser's demo wallet, creating (and remembering) one on the first visit. */
  async function connect(): Promise<void> {
    if (connecting.value || isConnected.value) return;
    connecting.value = true;
    error.value = null;
    try {
      const address = getOrCreateDemoWalletAddress();
      const { session_token, expires_at: _expiresAt, is_new_user, ...profile } = await api.users.login.mutate({
        wallet_address: address,
      });
      token.value = session_token;
      account.value = profile;
      isNewUser.value = is_new_user;
      notice.value = null;
    } catch (err) {
      error.value = describeApiError(err);
    } finally {
      connecting.value = false;
    }
  }

  /** On start-up: a returning visitor (remembered address) is signed in again automatically. */
  async function resume(): Promise<void> {
    if (readStoredWalletAddress()) await connect();
  }

  /** Ends the session on the server, then forgets everything about the user in every store. */
  async function logout(): Promise<void> {
    if (!token.value || loggingOut.value) return;
    loggingOut.value = true;
    try {
      await api.users.logout.mutate();
    } catch {
      // Already expired or unreachable: the local sign-out below still happens.
    } finally {
      loggingOut.value = false;
    }
    clearUserData();
    notice.value = LOGGED_OUT_MESSAGE;
  }

  /** The server refused the token (expired or revoked): sign out locally and say why. */
  function expireSession(): void {
    if (!token.value) return;
    clearUserData();
    notice.value = SESSION_EXPIRED_MESSAGE;
  }

  /** Drops the token and every piece of user data held by the stores. */
  function clearUserData(): void {
    token.value = null;
    account.value = null;
    isNewUser.value = false;
    error.value = null;
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
    isNewUser,
    connecting,
    loggingOut,
    error,
    notice,
    isConnected,
    userId,
    connect,
    resume,
    logout,
    expireSession,
    dismissNotice,
    dismissWelcome,
  };
});
