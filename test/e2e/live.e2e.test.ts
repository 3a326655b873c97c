import { hexToBytes } from '@noble/hashes/utils.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http.js';
import { startTestServer } from '../support/server.js';
import { newAitbcWallet, signedLoginOk } from '../support/signin.js';
import { startBrowserExchange, storedDemoWallet, textOf, type BrowserExchange } from './browserHarness.js';

/** The contract promises an event within a second; the page gets a little longer to paint it. */
const LIVE_TIMEOUT = { timeout: 2_000, interval: 50 };

describe('live updates between two browsers of the same user, in headless Chromium', () => {
  let exchange: BrowserExchange;
  let first: { context: BrowserContext; page: Page };
  let second: { context: BrowserContext; page: Page };
  let userId = '';
  /** A session of the same user outside the browsers (another device), for purchases. */
  let elsewhereToken = '';
  let secretKey = '';

  async function rowsOf(page: Page) {
    const rows = page.getByTestId('transaction-row');
    const count = await rows.count();
    const result: Array<{ type: string; amount: string; status: string }> = [];
    for (let i = 0; i < count; i += 1) {
      const row = rows.nth(i);
      result.push({
        type: await row.getByTestId('transaction-type').innerText(),
        amount: await row.getByTestId('transaction-amount').innerText(),
        status: (await row.getByTestId('transaction-status').innerText()).toLowerCase(),
      });
    }
    return result;
  }

  /** Set in each page once: still there later means the page was never reloaded. */
  async function markPage(page: Page): Promise<void> {
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
  }
  async function wasNotReloaded(page: Page): Promise<boolean> {
    return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
  }

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    const context = await exchange.newContext();
    first = { context, page: await exchange.newPage(context) };
  });

  afterAll(async () => {
    await exchange?.stop();
  });

  it('opens the same account in two browsers, both live', async () => {
    await first.page.goto(`${exchange.url}/`);
    await first.page.getByRole('button', { name: 'Connect Wallet' }).click();
    await first.page.getByTestId('wallet-card').waitFor();
    userId = await textOf(first.page, 'wallet-user-id');

    const context = await exchange.newContext({ storageState: await first.context.storageState() });
    second = { context, page: await exchange.newPage(context) };
    await second.page.goto(`${exchange.url}/`);
    await second.page.getByTestId('wallet-card').waitFor();
    expect(await textOf(second.page, 'wallet-user-id')).toBe(userId);

    for (const { page } of [first, second]) {
      await expect.poll(() => textOf(page, 'live-indicator')).toBe('Live');
      expect(await page.getByTestId('live-indicator').getAttribute('data-state')).toBe('live');
      await markPage(page);
    }
    secretKey = (await storedDemoWallet(first.page))!.secret_key;
    elsewhereToken = (await signedLoginOk(exchange.url, newAitbcWallet(hexToBytes(secretKey)))).token;
  });

  it('shows a faucet credit made in one browser in the other, balance and history, without a reload', async () => {
    await first.page.getByRole('button', { name: 'Get test AITBC' }).click();

    await expect.poll(() => textOf(second.page, 'wallet-balance'), LIVE_TIMEOUT).toBe('1,000.00000000 AITBC');
    await expect.poll(() => rowsOf(second.page), LIVE_TIMEOUT).toEqual([
      { type: 'Deposit', amount: '+1,000.00000000', status: 'completed' },
    ]);
    expect(await textOf(second.page, 'transactions-total')).toBe('1 transaction');
    expect(await wasNotReloaded(second.page)).toBe(true);
  });

  it('shows a purchase as pending in both browsers, then completed once its payment is confirmed', async () => {
    const created = await api(exchange.url, 'POST', '/api/exchange/create-payment', {
      token: elsewhereToken,
      body: { aitbc_amount: '1000', btc_amount: '0.01' },
    });
    expect(created.status).toBe(200);

    for (const { page } of [first, second]) {
      await expect.poll(() => rowsOf(page), LIVE_TIMEOUT).toEqual([
        { type: 'Purchase', amount: '+1,000.00000000', status: 'pending' },
        { type: 'Deposit', amount: '+1,000.00000000', status: 'completed' },
      ]);
    }

    const simulated = await api(exchange.url, 'POST', `/api/exchange/simulate-payment/${created.body.payment_id}`, {
      token: elsewhereToken,
    });
    expect(simulated.body.status).toBe('confirmed');

    for (const { page } of [first, second]) {
      // 1,000 from the faucet + 1,000 bought − 5 fee (0.5 %).
      await expect.poll(() => textOf(page, 'wallet-balance'), LIVE_TIMEOUT).toBe('1,995.00000000 AITBC');
      await expect.poll(() => rowsOf(page), LIVE_TIMEOUT).toEqual([
        { type: 'Purchase', amount: '+1,000.00000000', status: 'completed' },
        { type: 'Deposit', amount: '+1,000.00000000', status: 'completed' },
      ]);
      expect(await textOf(page, 'transactions-total')).toBe('2 transactions');
      expect(await wasNotReloaded(page)).toBe(true);
    }
  });

  it('says "Reconnecting…" while the server is unreachable, then catches up on what it missed', async () => {
    await exchange.stopServer();
    try {
      for (const { page } of [first, second]) {
        await expect.poll(() => textOf(page, 'live-indicator'), { timeout: 5_000, interval: 50 }).toBe('Reconnecting…');
      }
      // Meanwhile the wallet is credited through another server process on the same database.
      const other = await startTestServer(exchange.databaseUrl, exchange.env);
      try {
        const outside = await signedLoginOk(other.url, newAitbcWallet(hexToBytes(secretKey)));
        const credited = await api(other.url, 'POST', `/api/users/${userId}/faucet`, { token: outside.token, body: { amount: '500' } });
        expect(credited.body.balance_exact).toBe('2495.00000000');
      } finally {
        await other.stop();
      }
      expect(await textOf(second.page, 'wallet-balance')).toBe('1,995.00000000 AITBC');
    } finally {
      await exchange.startServer();
    }

    for (const { page } of [first, second]) {
      await expect.poll(() => textOf(page, 'live-indicator'), { timeout: 10_000, interval: 50 }).toBe('Live');
      await expect.poll(() => textOf(page, 'wallet-balance'), LIVE_TIMEOUT).toBe('2,495.00000000 AITBC');
      expect((await rowsOf(page))[0]).toEqual({ type: 'Deposit', amount: '+500.00000000', status: 'completed' });
      expect(await textOf(page, 'transactions-total')).toBe('3 transactions');
      expect(await wasNotReloaded(page)).toBe(true);
    }
  });

  it('closes the stream on logout while the other browser stays live', async () => {
    const isStream = (url: string) => new URL(url).pathname === '/trpc/users.events';
    const streamClosed = new Promise<void>((resolve) => {
      const done = (request: { url(): string }) => {
        if (isStream(request.url())) resolve();
      };
      second.page.on('requestfailed', done);
      second.page.on('requestfinished', done);
    });
    const streamsOpenedAfterLogout: string[] = [];

    await second.page.getByRole('button', { name: 'Log out' }).click();
    await second.page.getByTestId('connect-wallet').waitFor();
    expect(await second.page.getByTestId('session-notice').locator('.alert-banner-message').innerText()).toBe(
      'You have been logged out. Your demo wallet stays on this device.',
    );
    second.page.on('request', (request) => {
      if (isStream(request.url())) streamsOpenedAfterLogout.push(request.url());
    });
    await Promise.race([
      streamClosed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the event stream was not closed')), 2_000)),
    ]);

    await first.page.getByRole('button', { name: 'Get test AITBC' }).click();
    await expect.poll(() => textOf(first.page, 'wallet-balance'), LIVE_TIMEOUT).toBe('3,495.00000000 AITBC');
    expect(await textOf(first.page, 'live-indicator')).toBe('Live');
    expect(await second.page.getByTestId('wallet-card').count()).toBe(0);
    expect(streamsOpenedAfterLogout).toEqual([]);
    expect(exchange.pageErrors).toEqual([]);
  });
});
