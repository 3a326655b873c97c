import { hexToBytes } from '@noble/hashes/utils.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aitbcAddressFromSecretKey } from '../../shared/wallet/aitbc.js';
import { api } from '../support/http.js';
import { newAitbcWallet, signedLoginOk } from '../support/signin.js';
import {
  DEMO_WALLET_STORAGE_KEY,
  LAST_WALLET_STORAGE_KEY,
  captureSessionTokens,
  startBrowserExchange,
  storedDemoWallet,
  textOf,
  type BrowserExchange,
} from './browserHarness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the exchange in headless Chromium', () => {
  let exchange: BrowserExchange;
  let context: BrowserContext;
  let page: Page;
  let sentTokens: string[];

  // Filled in as the flow goes.
  let address = '';
  let secretKey = '';
  let userId = '';

  const text = (testId: string) => textOf(page, testId);

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    context = await exchange.newContext();
    page = await exchange.newPage(context);
    sentTokens = captureSessionTokens(page);
  });

  afterAll(async () => {
    await exchange?.stop();
  });

  it('serves the page and offers Connect Wallet to a first-time visitor', async () => {
    const response = await page.goto(`${exchange.url}/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('AITBC Exchange');

    const connect = page.getByTestId('connect-wallet');
    await connect.waitFor();
    expect(await connect.innerText()).toBe('Connect Wallet');
    // Chromium without an Ethereum wallet: no MetaMask button.
    expect(await page.getByTestId('connect-metamask').count()).toBe(0);
    expect(await storedDemoWallet(page)).toBeNull();
  });

  it('creates a key pair in the browser, signs in with it and shows a zero balance', async () => {
    await page.getByRole('button', { name: 'Connect Wallet' }).click();
    await page.getByTestId('wallet-card').waitFor();

    const stored = (await storedDemoWallet(page))!;
    secretKey = stored.secret_key;
    address = stored.address;
    expect(secretKey).toMatch(/^[0-9a-f]{64}$/);
    // The address is the contract's derivation of the key the browser holds.
    expect(aitbcAddressFromSecretKey(hexToBytes(secretKey))).toBe(address);
    expect(await text('wallet-address')).toBe(address);
    expect(await text('wallet-username')).toBe(`user_${address.slice(-8)}`);
    userId = await text('wallet-user-id');
    expect(userId).toMatch(UUID);
    await expect.poll(() => text('wallet-balance')).toBe('0.00000000 AITBC');
    await page.getByTestId('transactions-empty').waitFor();
    expect(await text('demo-wallet-note')).toContain('This is a demo wallet.');
    await expect.poll(() => text('live-indicator')).toBe('Live');
  });

  it('proved the key: the server refuses an address-only sign-in to this wallet', async () => {
    const login = await api(exchange.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(login.status).toBe(401);
  });

  it('keeps the session token out of storage, cookies and the URL', async () => {
    expect(sentTokens.length).toBeGreaterThan(0);
    const storage = await page.evaluate(() => ({
      local: Object.fromEntries(Object.entries(localStorage)),
      session: sessionStorage.length,
      url: location.href,
    }));
    expect(Object.keys(storage.local).sort()).toEqual([DEMO_WALLET_STORAGE_KEY, LAST_WALLET_STORAGE_KEY]);
    for (const value of Object.values(storage.local)) for (const token of sentTokens) expect(value).not.toContain(token);
    expect(storage.session).toBe(0);
    expect(storage.url).toBe(`${exchange.url}/`);
    expect(await context.cookies()).toEqual([]);
  });

  it('adds 1,000 test AITBC from the faucet and shows it in balance and history', async () => {
    await page.getByRole('button', { name: 'Get test AITBC' }).click();

    await expect.poll(() => text('wallet-balance')).toBe('1,000.00000000 AITBC');
    await expect.poll(() => text('faucet-message')).toBe('1,000.00000000 AITBC added to your wallet.');
    const rows = page.getByTestId('transaction-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByTestId('transaction-type').innerText()).toBe('Deposit');
    expect(await rows.first().getByTestId('transaction-amount').innerText()).toBe('+1,000.00000000');
    expect((await rows.first().getByTestId('transaction-status').innerText()).toLowerCase()).toBe('completed');
    expect(await text('transactions-total')).toBe('1 transaction');

    // The server agrees: the same key, signing in from outside the browser, holds exactly 1000 AITBC.
    const outside = await signedLoginOk(exchange.url, newAitbcWallet(hexToBytes(secretKey)));
    expect(outside.userId).toBe(userId);
    const balance = await api(exchange.url, 'GET', `/api/users/${userId}/balance`, { token: outside.token });
    expect(balance.body.balance_exact).toBe('1000.00000000');
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(await page.getByTestId('faucet-button').isVisible()).toBe(true);
    expect(await page.getByTestId('logout-button').isVisible()).toBe(true);
    expect(await page.getByTestId('sessions-panel').isVisible()).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('comes back to the same account after a reload', async () => {
    await page.reload();
    await page.getByTestId('wallet-card').waitFor();

    expect(await text('wallet-user-id')).toBe(userId);
    expect(await text('wallet-address')).toBe(address);
    await expect.poll(() => text('wallet-balance')).toBe('1,000.00000000 AITBC');
    await expect.poll(() => page.getByTestId('transaction-row').count()).toBe(1);
  });

  it('logs out to the connect screen and keeps the demo wallet for next time', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('connect-wallet').waitFor();

    expect(await page.getByTestId('wallet-card').count()).toBe(0);
    expect(await page.getByTestId('session-notice').innerText()).toContain('You have been logged out.');
    expect(await page.locator('body').innerText()).not.toContain(address);
    expect((await storedDemoWallet(page))?.secret_key).toBe(secretKey);
    expect(exchange.pageErrors).toEqual([]);
  });
});
