import type { Unsubscribable } from '@trpc/server/observable';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, describeApiError, httpStatusOf, isUnauthorized, type RouterOutputs } from '../api/trpc';
import { useSessionStore } from './session';

export type Balance = RouterOutputs['users']['balance'];
export type TransactionPage = RouterOutputs['users']['transactions'];
export type WalletTransaction = TransactionPage['transactions'][number];
type LiveEnvelope = RouterOutputs['users']['events'] extends AsyncIterable<infer Envelope> ? Envelope : never;
/**
 * One change pushed by the server: `{type: 'balance', ...balance}` or
 * `{type: 'transaction', transaction_type, ...transaction}` (the transaction's own type is
 * `transaction_type`, since `type` names the event).
 */
export type LiveEvent = LiveEnvelope['data'];
export type TransactionEvent = Extract<LiveEvent, { type: 'transaction' }>;
/**
 * `off`: no subscription (signed out). `connecting`: the first connection is being made.
 * `live`: connected, changes arrive as they happen. `reconnecting`: the connection dropped and is
 * being restored; what happened meanwhile is replayed from the last event id when it is back.
 */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

export const HISTORY_PAGE_SIZE = 10;
/** How long the first load waits for the live stream to open, so no change falls between them. */
const LIVE_READY_TIMEOUT_MS = 1_500;
const RESUBSCRIBE_FIRST_DELAY_MS = 1_000;
const RESUBSCRIBE_MAX_DELAY_MS = 15_000;

/** Exact decimal string ("12.50000000") → base units, for differences without floating point. */
function toUnits(exact: string): bigint {
  return BigInt(exact.replace('.', ''));
}

function fromUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(9, '0');
  return `${sign}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** Newest first, as the server orders history: `created_at` desc, then `id` desc. */
function isNewer(a: WalletTransaction, b: WalletTransaction): boolean {
  return a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);
}

export function transactionFromEvent(event: TransactionEvent): WalletTransaction {
  const { type: _event, transaction_type, ...rest } = event;
  return { ...rest, type: transaction_type };
}

/**
 * The signed-in user's balance and transaction history, kept up to date by the `users.events`
 * subscription: a balance event replaces the balance, a transaction event updates its row by id
 * (or adds it). Other stores and components follow the same refs (`balance`, `transactions`,
 * `lastEvent`), so a payment dialog sees its purchase settle without asking the server.
 */
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

  const liveStatus = ref<LiveStatus>('off');
  /** The most recent change pushed by the server (null until one arrives). */
  const lastEvent = ref<LiveEvent | null>(null);
  /** The id of the last event received: a new subscription resumes after it. */
  const lastEventId = ref<string | null>(null);

  let subscription: Unsubscribable | null = null;
  /** Bumped whenever a subscription is opened or closed; callbacks of older ones are ignored. */
  let liveGeneration = 0;
  let resubscribeTimer: ReturnType<typeof setTimeout> | null = null;
  let resubscribeDelay = RESUBSCRIBE_FIRST_DELAY_MS;
  /** Whether a stream of this sign-in has been open before (a reopening may have missed changes). */
  let liveOpenedBefore = false;
  /** Resolves when the first subscription has opened (or failed): the first load waits for it. */
  let liveReady: Promise<void> | null = null;
  let markLiveReady: (() => void) | null = null;
  const liveListeners = new Set<(event: LiveEvent) => void>();
  /** While a load is in flight, the events that arrive are kept and applied again on top of its answer. */
  let eventsDuringLoad: LiveEvent[] | null = null;

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

  function upsertTransaction(tx: WalletTransaction): void {
    const index = transactions.value.findIndex((row) => row.id === tx.id);
    if (index >= 0) {
      transactions.value = transactions.value.map((row, i) => (i === index ? tx : row));
      return;
    }
    const list = [...transactions.value];
    const position = list.findIndex((row) => isNewer(tx, row));
    // Older than every row shown, with more pages to load: an update of a row not loaded yet.
    if (position === -1 && nextCursor.value !== null) return;
    list.splice(position === -1 ? list.length : position, 0, tx);
    transactions.value = list;
    total.value += 1;
  }

  function applyLiveEvent(event: LiveEvent): void {
    if (event.type === 'balance') {
      if (event.user_id !== session.userId) return;
      const { type: _event, ...shape } = event;
      balance.value = shape;
    } else {
      upsertTransaction(transactionFromEvent(event));
    }
  }

  /** Waits (briefly) for the live stream to open, so the snapshot a load takes is covered by it. */
  async function untilLiveReady(): Promise<void> {
    if (!liveReady || liveStatus.value !== 'connecting') return;
    await Promise.race([liveReady, new Promise((resolve) => setTimeout(resolve, LIVE_READY_TIMEOUT_MS))]);
  }

  /** Balance and the first page of history, fetched together (one batched request). */
  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    const collected: LiveEvent[] = [];
    eventsDuringLoad = collected;
    try {
      await untilLiveReady();
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
      // Changes that arrived while the request was out may be newer than its answer.
      for (const event of collected) applyLiveEvent(event);
    } catch (err) {
      handleFailure(err, error);
    } finally {
      if (eventsDuringLoad === collected) eventsDuringLoad = null;
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

  /** The newest page merged into what is shown (rows loaded further down stay, each once). */
  function mergeNewestPage(page: TransactionPage): void {
    if (!historyLoaded.value) {
      applyFirstPage(page);
      return;
    }
    for (const tx of [...page.transactions].reverse()) upsertTransaction(tx);
    total.value = page.total;
  }

  /**
   * Demo mode: credits test AITBC, then shows the new balance and the deposit. The live stream
   * brings the same changes; both land on the same row (by id), so nothing shows twice.
   */
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
      // A live balance event may already be newer than this answer (another tab's credit).
      if (!balance.value || balance.value.updated_at <= credited.updated_at) balance.value = credited;
      mergeNewestPage(page);
      if (before !== null) lastFaucetCredit.value = fromUnits(toUnits(credited.balance_exact) - toUnits(before));
    } catch (err) {
      if (httpStatusOf(err) === 403) faucetAvailable.value = false;
      handleFailure(err, faucetError);
    } finally {
      faucetPending.value = false;
    }
  }

  /** Opens the subscription, resuming after `lastEventId` when there is one. */
  function subscribe(): void {
    const generation = ++liveGeneration;
    const requestToken = session.token;
    const resumeFrom = lastEventId.value;
    const isCurrent = () => generation === liveGeneration && session.token === requestToken;

    subscription = api.users.events.subscribe(resumeFrom ? { lastEventId: resumeFrom } : undefined, {
      onConnectionStateChange(state) {
        if (!isCurrent()) return;
        if (state.state === 'pending') {
          // A stream reopened with no event id to resume from starts at "now": catch up once.
          const catchUp = liveOpenedBefore && lastEventId.value === null && historyLoaded.value;
          liveOpenedBefore = true;
          liveStatus.value = 'live';
          resubscribeDelay = RESUBSCRIBE_FIRST_DELAY_MS;
          markLiveReady?.();
          if (catchUp) void load();
        } else if (state.state === 'connecting' && (liveOpenedBefore || state.error)) {
          liveStatus.value = 'reconnecting';
        }
      },
      onData(envelope) {
        if (!isCurrent()) return;
        lastEventId.value = envelope.id;
        lastEvent.value = envelope.data;
        eventsDuringLoad?.push(envelope.data);
        applyLiveEvent(envelope.data);
        for (const listener of liveListeners) listener(envelope.data);
      },
      onError(err) {
        if (!isCurrent()) return;
        subscription = null;
        if (isUnauthorized(err)) {
          session.expireSession();
          return;
        }
        void recoverLive(generation);
      },
      onComplete() {
        // The server ended the stream: the session was ended, or the server is shutting down.
        if (!isCurrent() || subscription === null) return;
        subscription = null;
        void recoverLive(generation);
      },
    });
  }

  /** After the stream ended: signed out if the session is gone, else a new subscription soon. */
  async function recoverLive(generation: number): Promise<void> {
    liveStatus.value = 'reconnecting';
    markLiveReady?.();
    try {
      await api.users.me.query();
    } catch (err) {
      if (generation !== liveGeneration) return;
      if (isUnauthorized(err)) {
        session.expireSession();
        return;
      }
    }
    if (generation !== liveGeneration || !session.token) return;
    resubscribeTimer = setTimeout(() => {
      resubscribeTimer = null;
      if (generation === liveGeneration && session.token) subscribe();
    }, resubscribeDelay);
    resubscribeDelay = Math.min(resubscribeDelay * 2, RESUBSCRIBE_MAX_DELAY_MS);
  }

  /**
   * Calls `listener` with every live event, in order, after the store has applied it (a watcher
   * of `lastEvent` sees only the latest of events that arrive together). Returns the unsubscribe.
   */
  function onLiveEvent(listener: (event: LiveEvent) => void): () => void {
    liveListeners.add(listener);
    return () => liveListeners.delete(listener);
  }

  /** Starts following the signed-in user's changes live (called once signed in). */
  function startLive(): void {
    if (subscription || resubscribeTimer || !session.token) return;
    liveStatus.value = 'connecting';
    liveReady = new Promise<void>((resolve) => {
      markLiveReady = resolve;
    });
    subscribe();
  }

  /** Closes the subscription (logout, expired session). */
  function stopLive(): void {
    liveGeneration += 1;
    if (resubscribeTimer) clearTimeout(resubscribeTimer);
    resubscribeTimer = null;
    const closing = subscription;
    subscription = null;
    closing?.unsubscribe();
    markLiveReady?.();
    markLiveReady = null;
    liveReady = null;
    resubscribeDelay = RESUBSCRIBE_FIRST_DELAY_MS;
    liveOpenedBefore = false;
    liveStatus.value = 'off';
  }

  /** Forgets everything about the user (logout, expired session). */
  function reset(): void {
    stopLive();
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
    lastEvent.value = null;
    lastEventId.value = null;
    eventsDuringLoad = null;
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
    liveStatus,
    lastEvent,
    lastEventId,
    load,
    loadMore,
    requestFaucet,
    startLive,
    stopLive,
    onLiveEvent,
    reset,
  };
});
