import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api, describeApiError, isUnauthorized, type RouterOutputs } from '../api/trpc';
import { formatAmountExact } from '../utils/format';
import { formatUnits, formatUnitsShort, readAmountEntry, trimDecimal, type AmountEntry } from '../utils/money';
import {
  aitbcUnitsForBtc,
  exchangeTermsFrom,
  limitProblemOf,
  quoteForAitbc,
  quoteForBtc,
  type ExchangeTerms,
  type PurchaseQuote,
} from '../utils/moneyQuote';
import { useSessionStore } from './session';
import { useWalletStore } from './wallet';

export type ExchangeRates = RouterOutputs['exchange']['rates'];
export type Payment = RouterOutputs['exchange']['createPayment'];
export type AmountField = 'aitbc' | 'btc';

/** How long after the local deadline the expiry is checked, so the server surely agrees. */
export const EXPIRY_GRACE_MS = 1000;

export const AMOUNT_MESSAGES = {
  format: 'Enter the amount with digits and at most one decimal point, for example 1000 or 0.25.',
  decimals: 'Use at most 8 decimal places.',
  zero: 'Enter an amount greater than zero.',
} as const;

/** "1000000.00000000" → "1,000,000": grouped, without trailing zeros. */
function groupedShort(units: bigint): string {
  return trimDecimal(formatAmountExact(formatUnits(units)));
}

/** The sentence for an amount outside the limits, naming both currencies. */
export function limitMessage(terms: ExchangeTerms, problem: 'below_min' | 'above_max'): string {
  const btcUnits = problem === 'below_min' ? terms.minBtcUnits : terms.maxBtcUnits;
  const limit = `${groupedShort(btcUnits)} BTC (${groupedShort(aitbcUnitsForBtc(terms, btcUnits))} AITBC)`;
  return problem === 'below_min' ? `The minimum purchase is ${limit}.` : `The maximum purchase is ${limit}.`;
}

/**
 * Buying AITBC with BTC: the exchange's terms, the linked BTC/AITBC amounts (exact, with the
 * server's half-up rule), and the payment request being paid.
 */
export const useExchangeStore = defineStore('exchange', () => {
  const session = useSessionStore();
  const wallet = useWalletStore();

  // ---- terms -------------------------------------------------------------------------------
  const rates = ref<ExchangeRates | null>(null);
  const ratesLoading = ref(false);
  const ratesError = ref<string | null>(null);
  const terms = computed<ExchangeTerms | null>(() => (rates.value ? exchangeTermsFrom(rates.value) : null));

  // ---- the payment request ------------------------------------------------------------------
  const payment = ref<Payment | null>(null);
  const dialogOpen = ref(false);
  const creating = ref(false);
  const createError = ref<string | null>(null);
  const simulating = ref(false);
  const checking = ref(false);
  const paymentError = ref<string | null>(null);
  /** The payment's expiry on this device's clock (the server's clock may differ from ours). */
  const deadlineMs = ref<number | null>(null);
  const expiryChecked = ref(false);

  // ---- the linked amounts ------------------------------------------------------------------
  const aitbcText = ref('');
  const btcText = ref('');
  /** The field the user typed in last: its text is the truth, the other one is derived. */
  const editedField = ref<AmountField>('aitbc');

  const entry = computed<AmountEntry>(() =>
    readAmountEntry(editedField.value === 'aitbc' ? aitbcText.value : btcText.value),
  );

  /** The purchase the current input describes, priced exactly as the server will price it. */
  const quote = computed<PurchaseQuote | null>(() => {
    const current = entry.value;
    if (!terms.value || current.kind !== 'amount') return null;
    return editedField.value === 'aitbc'
      ? quoteForAitbc(terms.value, current.units)
      : quoteForBtc(terms.value, current.units);
  });

  /** Why the input cannot be bought as it stands; null when it can (or is still empty). */
  const amountError = computed<string | null>(() => {
    const current = entry.value;
    if (current.kind === 'invalid') return AMOUNT_MESSAGES[current.problem];
    if (current.kind === 'empty' || !terms.value || !quote.value) return null;
    if (current.units === 0n) return AMOUNT_MESSAGES.zero;
    const problem = limitProblemOf(terms.value, quote.value.btcUnits);
    return problem ? limitMessage(terms.value, problem) : null;
  });

  const canBuy = computed(
    () => session.isConnected && quote.value !== null && amountError.value === null && !creating.value,
  );

  /** Typing AITBC: the BTC field follows (aitbc / rate, half-up to 8 decimals). */
  function setAitbcText(text: string): void {
    aitbcText.value = text;
    editedField.value = 'aitbc';
    btcText.value = quote.value ? formatUnitsShort(quote.value.btcUnits) : '';
  }

  /** Typing BTC: the AITBC field follows (btc × rate, half-up to 8 decimals). */
  function setBtcText(text: string): void {
    btcText.value = text;
    editedField.value = 'btc';
    aitbcText.value = quote.value ? formatUnitsShort(quote.value.aitbcUnits) : '';
  }

  /**
   * Leaving the BTC field: shows the BTC amount that will actually be asked for, which differs
   * from the typed one only when the rate is not a whole number and rounding moved it a satoshi.
   */
  function settleBtcText(): void {
    const current = entry.value;
    if (editedField.value !== 'btc' || !quote.value || current.kind !== 'amount') return;
    if (quote.value.btcUnits !== current.units) btcText.value = formatUnitsShort(quote.value.btcUnits);
  }

  function clearAmounts(): void {
    aitbcText.value = '';
    btcText.value = '';
    editedField.value = 'aitbc';
  }

  /** The purchase transaction of the current payment, as the wallet store knows it. */
  const purchaseTransaction = computed(() => {
    const id = payment.value?.transaction_id;
    return id ? (wallet.transactions.find((tx) => tx.id === id) ?? null) : null;
  });

  const hasPendingPayment = computed(() => payment.value?.status === 'pending');

  /** The payment's status as of now (read after an await, where it may have changed). */
  function currentStatus(): Payment['status'] | null {
    return payment.value?.status ?? null;
  }

  function handleFailure(err: unknown, target: typeof createError): void {
    if (isUnauthorized(err)) {
      session.expireSession();
      return;
    }
    if (session.isConnected) target.value = describeApiError(err);
  }

  /** Keeps the answer only if it is still about the payment on screen. */
  function applyPayment(next: Payment): void {
    if (payment.value && payment.value.payment_id !== next.payment_id) return;
    payment.value = next;
  }

  async function loadRates(): Promise<void> {
    if (ratesLoading.value) return;
    ratesLoading.value = true;
    ratesError.value = null;
    try {
      rates.value = await api.exchange.rates.query();
    } catch (err) {
      ratesError.value = describeApiError(err);
    } finally {
      ratesLoading.value = false;
    }
  }

  /** Asks for a Bitcoin payment request for the quoted purchase and opens the payment dialog. */
  async function buy(): Promise<void> {
    const purchase = quote.value;
    if (!canBuy.value || !purchase) return;
    creating.value = true;
    createError.value = null;
    const userId = session.userId;
    try {
      const sentAt = Date.now();
      const created = await api.exchange.createPayment.mutate({
        aitbc_amount: formatUnitsShort(purchase.aitbcUnits),
        btc_amount: formatUnitsShort(purchase.btcUnits),
      });
      if (session.userId !== userId) return;
      const receivedAt = Date.now();
      // The server's clock at `created_at` was about our clock halfway through the request.
      const clockOffsetMs = Date.parse(created.created_at) - (sentAt + receivedAt) / 2;
      payment.value = created;
      deadlineMs.value = Date.parse(created.expires_at) - clockOffsetMs;
      expiryChecked.value = false;
      paymentError.value = null;
      dialogOpen.value = true;
    } catch (err) {
      handleFailure(err, createError);
    } finally {
      creating.value = false;
    }
  }

  /** Set when a read is asked for while one is in flight: that one may predate the change. */
  let readAgain = false;

  /** Reads the payment as it stands now on the server. */
  async function refreshPayment(): Promise<void> {
    const current = payment.value;
    if (!current) return;
    if (checking.value) {
      readAgain = true;
      return;
    }
    checking.value = true;
    paymentError.value = null;
    try {
      do {
        readAgain = false;
        applyPayment(await api.exchange.paymentStatus.query({ payment_id: current.payment_id }));
      } while (readAgain && currentStatus() === 'pending');
    } catch (err) {
      handleFailure(err, paymentError);
    } finally {
      checking.value = false;
    }
  }

  /**
   * After a settle this store saw first: the wallet's live updates bring the new balance and
   * history by themselves; only while they are not flowing is the wallet read, once.
   */
  async function syncWalletWith(finalStatus: 'completed' | 'failed'): Promise<void> {
    if (purchaseTransaction.value?.status === finalStatus || wallet.liveStatus === 'live') return;
    await wallet.load();
  }

  /** Demo mode: plays the Bitcoin payment, then shows the credited balance and history. */
  async function simulatePayment(): Promise<void> {
    const current = payment.value;
    if (!current || current.status !== 'pending' || simulating.value) return;
    simulating.value = true;
    paymentError.value = null;
    try {
      applyPayment(await api.exchange.simulatePayment.mutate({ payment_id: current.payment_id }));
    } catch (err) {
      handleFailure(err, paymentError);
    } finally {
      simulating.value = false;
    }
    if (currentStatus() === 'confirmed') await syncWalletWith('completed');
  }

  /** Called when the countdown has run out: the server now reports the payment as expired. */
  async function checkExpiry(): Promise<void> {
    if (!payment.value || payment.value.status !== 'pending' || expiryChecked.value) return;
    expiryChecked.value = true;
    await refreshPayment();
    if (currentStatus() === 'expired') await syncWalletWith('failed');
  }

  function closeDialog(): void {
    dialogOpen.value = false;
    paymentError.value = null;
    // A settled payment is done with; a pending one can be shown again from the Buy panel.
    if (payment.value?.status === 'confirmed') clearAmounts();
    if (payment.value && payment.value.status !== 'pending') forgetPayment();
  }

  function reopenDialog(): void {
    if (payment.value) dialogOpen.value = true;
  }

  function forgetPayment(): void {
    payment.value = null;
    deadlineMs.value = null;
    expiryChecked.value = false;
    paymentError.value = null;
    dialogOpen.value = false;
  }

  // The wallet store follows the user's transactions live: when it sees this purchase settle
  // (completed by a confirmation, failed by expiry), the payment is read again for its details.
  watch(
    () => purchaseTransaction.value?.status,
    (status) => {
      if (hasPendingPayment.value && (status === 'completed' || status === 'failed')) void refreshPayment();
    },
  );

  /** Forgets everything about the user's purchases (logout, expired session, another user). */
  function reset(): void {
    forgetPayment();
    clearAmounts();
    creating.value = false;
    createError.value = null;
    simulating.value = false;
    checking.value = false;
  }

  watch(
    () => session.userId,
    () => reset(),
  );

  return {
    rates,
    ratesLoading,
    ratesError,
    terms,
    aitbcText,
    btcText,
    editedField,
    quote,
    amountError,
    canBuy,
    payment,
    dialogOpen,
    creating,
    createError,
    simulating,
    checking,
    paymentError,
    deadlineMs,
    purchaseTransaction,
    hasPendingPayment,
    loadRates,
    setAitbcText,
    setBtcText,
    settleBtcText,
    clearAmounts,
    buy,
    refreshPayment,
    simulatePayment,
    checkExpiry,
    closeDialog,
    reopenDialog,
    reset,
  };
});
