import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { api } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STORAGE_KEY = 'aitbc.demoWalletAddress';

/** Builds the Vue client into client/dist, where the server serves it from. */
function buildClient(): void {
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (!existsSync(join(repoRoot, 'client', 'dist', 'index.html'))) throw new Error('vite build produced no index.html');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('the exchange in headless Chromium', () => {
  let database: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  // Filled in as the flow goes.
  let address = '';
  let userId = '';

  const text = async (testId: string) => (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();
  const storedAddress = () => page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);

  beforeAll(async () => {
    buildClient();
    database = await createTestDatabase('sqlite');
    const port = await freePort();
    server = await startTestServer(database.url, { PORT: String(port), PUBLIC_ORIGIN: `http://127.0.0.1:${port}` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  it('serves the page and offers Connect Wallet to a first-time visitor', async () => {
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('AITBC Exchange');

    const connect = page.getByTestId('connect-wallet');
    await connect.waitFor();
    expect(await connect.innerText()).toBe('Connect Wallet');
    expect(await storedAddress()).toBeNull();
  });

  it('connects a new demo wallet and shows its address, username, user id and a zero balance', async () => {
    await page.getByRole('button', { name: 'Connect Wallet' }).click();
    await page.getByTestId('wallet-card').waitFor();

    address = (await storedAddress()) ?? '';
    expect(address).toMatch(/^aitbc1[a-z2-7]{38}$/);
    expect(await text('wallet-address')).toBe(address);
    expect(await text('wallet-username')).toBe(`user_${address.slice(-8)}`);
    userId = await text('wallet-user-id');
    expect(userId).toMatch(UUID);
    await expect.poll(() => text('wallet-balance')).toBe('0.00000000 AITBC');
    await page.getByTestId('transactions-empty').waitFor();
    expect(await text('transactions-empty')).toContain('No transactions yet');
  });

  it('keeps the session token out of storage, cookies and the URL', async () => {
    const storage = await page.evaluate(() => ({
      local: Object.keys(localStorage),
      session: sessionStorage.length,
      url: location.href,
    }));
    expect(storage.local).toEqual([STORAGE_KEY]);
    expect(storage.session).toBe(0);
    expect(storage.url).toBe(`${server.url}/`);
    expect(await context.cookies()).toEqual([]);
  });

  it('adds 1,000 test AITBC from the faucet and shows it in balance and history', async () => {
    await page.getByRole('button', { name: 'Get test AITBC' }).click();

    await expect.poll(() => text('wallet-balance')).toBe('1,000.00000000 AITBC');
    expect(await text('faucet-message')).toBe('1,000.00000000 AITBC added to your wallet.');
    const rows = page.getByTestId('transaction-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByTestId('transaction-type').innerText()).toBe('Deposit');
    expect(await rows.first().getByTestId('transaction-amount').innerText()).toBe('+1,000.00000000');
    expect((await rows.first().getByTestId('transaction-status').innerText()).toLowerCase()).toBe('completed');
    expect(await text('transactions-total')).toBe('1 transaction');

    // The server agrees: the same wallet, signed in over REST, holds exactly 1000 AITBC.
    const login = await api(server.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(login.body.user_id).toBe(userId);
    const balance = await api(server.url, 'GET', `/api/users/${userId}/balance`, { token: login.body.session_token });
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
    expect(await storedAddress()).toBe(address);
    expect(pageErrors).toEqual([]);
  });
});
