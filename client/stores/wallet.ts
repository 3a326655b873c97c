import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, describeApiError, httpStatusOf, isUnauthorized, type RouterOutputs } from '../api/trpc';
import { useSessionStore } from './session';

export type Balance = RouterOutputs['users']['balance'];
export type TransactionPage = RouterOutputs['users']['transactions'];
export type WalletTransaction = TransactionPage['transactions'][number];

export const HISTORY_PAGE_SIZE = 10;

/** Exact decimal string ("12.50000000") → base units, for differences without floating point. */
function toUnits(exact: string): bigint {
  return BigInt(exact.replace('.', ''));
}

function fromUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(9, '0');
  return `${sign}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** The signed-in user's balance and transaction history. */
export const useWalletStore = defineStore('wallet', () => {
  const session = useSessionStore();

  const balance = ref<Balance | null>(null);
  const transactions = ref<WalletTransaction[]>([]);
  const total = ref(0);
  const nextCursor = ref<string | null>(null);
  const historyLoaded = ref(false);

  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref<string | null>(null);

  const faucetAvailable = ref(true);
  const faucetPending = ref(false);
  const faucetError = ref<string | null>(null);
  /** The amount (exact decimal) the last faucet request added. */
  const lastFaucetCredit = ref<string | null>(null);

  /** Runs `request` for the current user; drops the answer if the user changed meanwhile. */
  async function forCurrentUser<T>(request: (userId: string) => Promise<T>): Promise<{ value: T } | null> {
    const userId = session.userId;
    if (!userId) return null;
    const value = await request(userId);
    return session.userId === userId ? { value } : null;
  }

  /** A 401 signs the user out (with a message); anything else becomes a readable error. */
  function handleFailure(err: unknown, target: typeof error): void {
    if (isUnauthorized(err)) {
      session.expireSession();
      return;
    }
    if (session.isConnected) target.value = describeApiError(err);
  }

  function applyFirstPage(page: TransactionPage): void {
    transactions.value = page.transactions;
    total.value = page.total;
    nextCursor.value = page.next_cursor;
    historyLoaded.value = true;
  }

  /** Balance and the first page of history, fetched together (one batched request). */
  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const result = await forCurrentUser((userId) =>
        Promise.all([
          api.users.balance.query({ user_id: userId }),
          api.users.transactions.query({ user_id: userId, limit: HISTORY_PAGE_SIZE }),
        ]),
      );
      if (!result) return;
      const [nextBalance, page] = result.value;
      balance.value = nextBalance;
      applyFirstPage(page);
    } catch (err) {
      handleFailure(err, error);
    } finally {
      loading.value = false;
    }
  }

  /** The next (older) page of history, appended. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loadingMore.value) return;
    loadingMore.value = true;
    error.value = null;
    try {
      const result = await forCurrentUser((userId) =>
        api.users.transactions.query({ user_id: userId, limit: HISTORY_PAGE_SIZE, cursor }),
      );
      if (!result) return;
      const page = result.value;
      const seen = new Set(transactions.value.map((tx) => tx.id));
      transactions.value = [...transactions.value, ...page.transactions.filter((tx) => !seen.has(tx.id))];
      total.value = page.total;
      nextCursor.value = page.next_cursor;
    } catch (err) {
      handleFailure(err, error);
    } finally {
      loadingMore.value = false;
    }
  }

  /** Demo mode: credits test AITBC, then shows the new balance and the fresh history. */
  async function requestFaucet(): Promise<void> {
    if (faucetPending.value) return;
    faucetPending.value = true;
    faucetError.value = null;
    lastFaucetCredit.value = null;
    const before = balance.value?.balance_exact ?? null;
    try {
      const result = await forCurrentUser(async (userId) => {
        const credited = await api.users.faucet.mutate({ user_id: userId });
        const page = await api.users.transactions.query({ user_id: userId, limit: HISTORY_PAGE_SIZE });
        return { credited, page };
      });
      if (!result) return;
      const { credited, page } = result.value;
      balance.value = credited;
      applyFirstPage(page);
      if (before !== null) lastFaucetCredit.value = fromUnits(toUnits(credited.balance_exact) - toUnits(before));
    } catch (err) {
      if (httpStatusOf(err) === 403) faucetAvailable.value = false;
      handleFailure(err, faucetError);
    } finally {
      faucetPending.value = false;
    }
  }

  /** Forgets everything about the user (logout, expired session). */
  function reset(): void {
    balance.value = null;
    transactions.value = [];
    total.value = 0;
    nextCursor.value = null;
    historyLoaded.value = false;
    loading.value = false;
    loadingMore.value = false;
    error.value = null;
    faucetAvailable.value = true;
    faucetPending.value = false;
    faucetError.value = null;
    lastFaucetCredit.value = null;
  }

  return {
    balance,
    transactions,
    total,
    nextCursor,
    historyLoaded,
    loading,
    loadingMore,
    error,
    faucetAvailable,
    faucetPending,
    faucetError,
    lastFaucetCredit,
    load,
    loadMore,
    requestFaucet,
    reset,
  };
});
