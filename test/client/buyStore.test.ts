// @vitest-environment happy-dom
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useExchangeStore } from '../../client/stores/exchange';
import { useSessionStore } from '../../client/stores/session';
import { useWalletStore } from '../../client/stores/wallet';
import { confirm, EXCHANGE_ENV } from '../api/exchange.support.js';
import { api } from '../support/http.js';
import { freshPinia, pointPageAt, startClientServer, type ClientServer } from './harness';

/** A signed-in session, its wallet store and the exchange store with the terms loaded. */
async function connectedStores() {
  const session = useSessionStore();
  const wallet = useWalletStore();
  const exchange = useExchangeStore();
  await session.connect();
  if (!session.isConnected) throw new Error(`connect failed: ${session.error}`);
  await exchange.loadRates();
  if (!exchange.rates) throw new Error(`rates failed: ${exchange.ratesError}`);
  return { session, wallet, exchange };
}

describe('useExchangeStore against the real server', () => {
  let server: ClientServer;

  beforeAll(async () => {
    server = await startClientServer(EXCHANGE_ENV);
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    freshPinia();
    pointPageAt(server.url);
  });

  it('loads the exchange terms with their exact decimal strings', async () => {
    const { exchange } = await connectedStores();

    expect(exchange.ratesError).toBeNull();
    expect(exchange.rates).toMatchObject({
      btc_to_aitbc_exact: '100000',
      fee_percent_exact: '0.5',
      min_btc_exact: '0.00010000',
      max_btc_exact: '10.00000000',
      simulation_enabled: true,
    });
  });

  it('fills in the BTC amount when AITBC is typed: 1000 AITBC costs 0.01 BTC', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000');

    expect(exchange.btcText).toBe('0.01');
    expect(exchange.amountError).toBeNull();
    expect(exchange.canBuy).toBe(true);
  });

  it('fills in the AITBC amount when BTC is typed: 0.01234567 BTC buys 1234.567 AITBC', async () => {
    const { exchange } = await connectedStores();
    exchange.setBtcText('0.01234567');

    expect(exchange.aitbcText).toBe('1234.567');
    expect(exchange.btcText).toBe('0.01234567');
  });

  it('quotes the fee and what the wallet receives before confirming', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('123.45678901');

    expect(exchange.btcText).toBe('0.00123457');
    expect(exchange.quote).toEqual({
      aitbcUnits: 12_345_678_901n,
      btcUnits: 123_457n,
      feeUnits: 61_728_395n,
      receiveUnits: 12_283_950_506n,
    });
  });

  it('rounds exactly half a satoshi up, and the server accepts the pair it sends', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000.0005');
    expect(exchange.btcText).toBe('0.01000001');

    await exchange.buy();

    expect(exchange.createError).toBeNull();
    expect(exchange.payment?.aitbc_amount_exact).toBe('1000.00050000');
    expect(exchange.payment?.btc_amount_exact).toBe('0.01000001');
  });

  it('rounds just under half a satoshi down, and the server accepts the pair it sends', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000.00049999');
    expect(exchange.btcText).toBe('0.01');

    await exchange.buy();

    expect(exchange.createError).toBeNull();
    expect(exchange.payment?.aitbc_amount_exact).toBe('1000.00049999');
    expect(exchange.payment?.btc_amount_exact).toBe('0.01000000');
  });

  it('explains the minimum purchase in BTC and AITBC', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('9.99999999');

    expect(exchange.btcText).toBe('0.0001');
    expect(exchange.amountError).toBeNull();
    exchange.setBtcText('0.00009999');

    expect(exchange.aitbcText).toBe('9.999');
    expect(exchange.amountError).toBe('The minimum purchase is 0.0001 BTC (10 AITBC).');
    expect(exchange.canBuy).toBe(false);
  });

  it('explains the maximum purchase in BTC and AITBC', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000000');
    expect(exchange.amountError).toBeNull();

    exchange.setAitbcText('1000000.0005');

    expect(exchange.btcText).toBe('10.00000001');
    expect(exchange.amountError).toBe('The maximum purchase is 10 BTC (1,000,000 AITBC).');
    expect(exchange.canBuy).toBe(false);
  });

  it('says what is wrong with input that is not a plain amount, and clears the other field', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000');
    exchange.setAitbcText('1,000');

    expect(exchange.btcText).toBe('');
    expect(exchange.amountError).toBe('Enter the amount with digits and at most one decimal point, for example 1000 or 0.25.');
    expect(exchange.canBuy).toBe(false);
  });

  it('refuses more than 8 decimal places and a zero amount', async () => {
    const { exchange } = await connectedStores();
    exchange.setBtcText('0.000000001');
    expect(exchange.amountError).toBe('Use at most 8 decimal places.');

    exchange.setAitbcText('0');
    expect(exchange.amountError).toBe('Enter an amount greater than zero.');
    expect(exchange.canBuy).toBe(false);
  });

  it('shows no message for empty fields but does not allow buying', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('5');
    exchange.setAitbcText('');

    expect(exchange.btcText).toBe('');
    expect(exchange.amountError).toBeNull();
    expect(exchange.canBuy).toBe(false);
  });

  it('creates a pending payment request for the quoted amounts and opens the dialog', async () => {
    const { exchange, session } = await connectedStores();
    exchange.setAitbcText('1000');
    await exchange.buy();

    const payment = exchange.payment!;
    expect(payment).toMatchObject({
      user_id: session.userId,
      status: 'pending',
      aitbc_amount_exact: '1000.00000000',
      btc_amount_exact: '0.01000000',
      fee_exact: '5.00000000',
      confirmations: 0,
    });
    expect(payment.payment_uri).toBe(`bitcoin:${payment.payment_address}?amount=0.01`);
    expect(exchange.dialogOpen).toBe(true);
    // The deadline on this device's clock: an hour from now, give or take the request time.
    expect(Math.abs(exchange.deadlineMs! - (Date.now() + 3_600_000))).toBeLessThan(5_000);
  });

  it('confirms a simulated payment and shows the credit in balance and history', async () => {
    const { exchange, wallet } = await connectedStores();
    await wallet.load();
    exchange.setAitbcText('1000');
    await exchange.buy();

    await exchange.simulatePayment();

    expect(exchange.paymentError).toBeNull();
    expect(exchange.payment?.status).toBe('confirmed');
    await vi.waitFor(() => expect(wallet.balance?.balance_exact).toBe('995.00000000'));
    await vi.waitFor(() => expect(wallet.transactions[0]?.status).toBe('completed'));
    expect(wallet.transactions[0]).toMatchObject({
      id: exchange.payment!.transaction_id,
      type: 'purchase',
      status: 'completed',
      amount_exact: '1000.00000000',
      fee_exact: '5.00000000',
    });
  });

  it('reads the wallet once after a simulated payment when live updates are not flowing', async () => {
    const { exchange, wallet } = await connectedStores();
    await wallet.load();
    wallet.stopLive();
    exchange.setAitbcText('1000');
    await exchange.buy();

    await exchange.simulatePayment();

    expect(exchange.payment?.status).toBe('confirmed');
    expect(wallet.balance?.balance_exact).toBe('995.00000000');
    expect(exchange.purchaseTransaction).toMatchObject({ status: 'completed', fee_exact: '5.00000000' });
  });

  it('reads the payment again when the wallet store sees the purchase complete', async () => {
    const { exchange, wallet } = await connectedStores();
    exchange.setAitbcText('250');
    await exchange.buy();
    const payment = exchange.payment!;

    // The payment processor confirms it; the wallet store learns of it (live, or by a reload).
    await confirm(server.url, payment);
    await wallet.load();

    await vi.waitFor(() => expect(exchange.payment?.status).toBe('confirmed'));
    expect(exchange.payment?.confirmations).toBe(payment.required_confirmations);
    expect(exchange.purchaseTransaction?.status).toBe('completed');
  });

  it('keeps a pending payment after the dialog is closed, so it can be shown again', async () => {
    const { exchange } = await connectedStores();
    exchange.setAitbcText('1000');
    await exchange.buy();

    exchange.closeDialog();
    expect(exchange.dialogOpen).toBe(false);
    expect(exchange.hasPendingPayment).toBe(true);

    exchange.reopenDialog();
    expect(exchange.dialogOpen).toBe(true);
  });

  it('forgets the payment and the amounts when the user logs out', async () => {
    const { exchange, session } = await connectedStores();
    exchange.setAitbcText('1000');
    await exchange.buy();

    await session.logout();

    expect(exchange.payment).toBeNull();
    expect(exchange.dialogOpen).toBe(false);
    expect(exchange.aitbcText).toBe('');
  });

  it('signs out with the session-expired message when the server refuses the token', async () => {
    const { exchange, session } = await connectedStores();
    await api(server.url, 'POST', '/api/users/logout', { token: session.token! });
    exchange.setAitbcText('1000');

    await exchange.buy();

    expect(session.isConnected).toBe(false);
    expect(session.notice).toBe('Your session has expired. Please connect your wallet again.');
    expect(exchange.payment).toBeNull();
  });
});

/** Base units of an exact 8-decimal string from the server. */
const unitsOf = (exact: string) => BigInt(exact.replace('.', ''));

describe.each([
  { rate: '33333.33333333', fee: '0.25' },
  { rate: '0.3', fee: '1.5' },
])('useExchangeStore at $rate AITBC per BTC (not a whole number)', ({ rate, fee }) => {
  let server: ClientServer;

  beforeAll(async () => {
    server = await startClientServer({ ...EXCHANGE_ENV, EXCHANGE_BTC_TO_AITBC: rate, EXCHANGE_FEE_PERCENT: fee });
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    freshPinia();
    pointPageAt(server.url);
  });

  it('sends pairs the server accepts, for typed BTC and typed AITBC amounts', async () => {
    const { exchange } = await connectedStores();
    const typed: Array<['btc' | 'aitbc', string]> = [
      ['btc', '0.0001'],
      ['btc', '0.00010005'],
      ['btc', '0.33333333'],
      ['btc', '2.71828183'],
      ['aitbc', '1.23456789'],
      ['aitbc', '2.5'],
      ['aitbc', '4.56789012'],
      ['aitbc', '987.65432101'],
    ];
    let sent = 0;
    for (const [field, amount] of typed) {
      if (field === 'btc') exchange.setBtcText(amount);
      else exchange.setAitbcText(amount);
      const quote = exchange.quote!;
      if (exchange.amountError) continue; // below the minimum at this rate: nothing to send
      await exchange.buy();

      expect(exchange.createError, amount).toBeNull();
      expect(unitsOf(exchange.payment!.aitbc_amount_exact), amount).toBe(quote.aitbcUnits);
      expect(unitsOf(exchange.payment!.btc_amount_exact), amount).toBe(quote.btcUnits);
      expect(unitsOf(exchange.payment!.fee_exact), amount).toBe(quote.feeUnits);
      exchange.reset();
      sent += 1;
    }
    expect(sent).toBeGreaterThanOrEqual(5);
  });
});

describe('leaving the BTC field at 0.3 AITBC per BTC', () => {
  let server: ClientServer;

  beforeAll(async () => {
    server = await startClientServer({ ...EXCHANGE_ENV, EXCHANGE_BTC_TO_AITBC: '0.3' });
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    freshPinia();
    pointPageAt(server.url);
  });

  it('shows the BTC amount that will be asked for when rounding moved it', async () => {
    const { exchange } = await connectedStores();
    // 0.00010005 BTC × 0.3 = 0.000030015 → 0.00003002 AITBC, which costs 0.0001000666… → 0.00010007 BTC.
    exchange.setBtcText('0.00010005');
    expect(exchange.aitbcText).toBe('0.00003002');
    expect(exchange.btcText).toBe('0.00010005');

    exchange.settleBtcText();

    expect(exchange.btcText).toBe('0.00010007');
    expect(exchange.quote?.btcUnits).toBe(10_007n);
    await exchange.buy();
    expect(exchange.payment?.btc_amount_exact).toBe('0.00010007');
  });
});
