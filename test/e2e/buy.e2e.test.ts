import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../support/process.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestServer, type RunningServer } from '../support/server.js';
import { buildClientInto, builtFileServer } from './browserHarness.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
/**
 * Where the README's screenshot of the Buy screen is written. Only when UPDATE_SCREENSHOTS=1:
 * otherwise into a temporary folder, so a test run leaves the committed picture alone.
 */
const README_SCREENSHOT = join(repoRoot, 'docs', 'buy-screen.png');

const API_PATH = /^\/(trpc|api|healthz)(\/|$)/;

describe('buying AITBC with Bitcoin in headless Chromium', () => {
  let database: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let buildDir: string;
  /** Scratch space: the build, and screenshots that are only for looking at. */
  let scratchDir: string;
  let readmeScreenshot: string;
  const pageErrors: string[] = [];

  const text = async (testId: string) => (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();

  /** Fails unless the page fits the viewport's width (no sideways scrolling). */
  async function expectNoSidewaysScroll(): Promise<void> {
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  }

  beforeAll(async () => {
    scratchDir = mkdtempSync(join(tmpdir(), 'aitbc-buy-e2e-'));
    buildDir = join(scratchDir, 'dist');
    readmeScreenshot = process.env.UPDATE_SCREENSHOTS === '1' ? README_SCREENSHOT : join(scratchDir, 'buy-screen.png');
    mkdirSync(dirname(readmeScreenshot), { recursive: true });
    buildClientInto(buildDir);
    database = await createTestDatabase('sqlite');
    const port = await freePort();
    server = await startTestServer(database.url, { PORT: String(port), PUBLIC_ORIGIN: `http://127.0.0.1:${port}` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const origin = new URL(server.url).origin;
    await context.route((url) => url.origin === origin && !API_PATH.test(url.pathname), builtFileServer(buildDir));
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  });

  it('connects a new demo wallet and shows the Buy AITBC panel with the rate and fee', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Connect Wallet' }).click();
    await page.getByTestId('wallet-card').waitFor();
    await expect.poll(() => text('wallet-balance')).toBe('0.00000000 AITBC');

    await page.getByRole('heading', { name: 'Buy AITBC' }).waitFor();
    expect(await text('buy-rate')).toBe('1 BTC = 100,000 AITBC');
    expect(await text('buy-summary')).toContain('Fee (0.5%)');
    expect(await page.getByTestId('buy-submit').isDisabled()).toBe(true);
  });

  it('prices 1,000 AITBC at 0.01 BTC with a 5 AITBC fee as it is typed', async () => {
    await page.getByLabel('You buy').fill('1000');

    await expect.poll(() => page.getByLabel('You pay').inputValue()).toBe('0.01');
    expect(await text('buy-pay')).toBe('0.01000000 BTC');
    expect(await text('buy-fee')).toBe('5.00000000 AITBC');
    expect(await text('buy-receive')).toBe('995.00000000 AITBC');
  });

  it('refuses an amount under the minimum with a message, then accepts 1,000 AITBC again', async () => {
    await page.getByLabel('You pay').fill('0.00005');
    expect(await text('buy-amount-error')).toBe('The minimum purchase is 0.0001 BTC (10 AITBC).');
    expect(await page.getByTestId('buy-submit').isDisabled()).toBe(true);

    await page.getByLabel('You buy').fill('1000');
    expect(await page.getByTestId('buy-amount-error').count()).toBe(0);
    expect(await page.getByTestId('buy-submit').innerText()).toBe('Buy 1,000 AITBC');
  });

  it('opens the payment dialog with the QR code, the address, the amount and a countdown', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.getByRole('button', { name: 'Buy 1,000 AITBC' }).click();

    const dialog = page.getByRole('dialog', { name: 'Pay with Bitcoin' });
    await dialog.waitFor();
    const qr = dialog.getByRole('img', { name: /QR code of the Bitcoin payment request/ });
    await qr.waitFor();
    expect(await qr.evaluate((element) => element.tagName.toLowerCase())).toBe('svg');
    expect((await qr.boundingBox())!.width).toBeGreaterThan(150);
    expect(await qr.locator('path').getAttribute('d')).toMatch(/^M\d+ \d+h\d+/);

    expect(await text('payment-btc-amount')).toBe('0.01000000 BTC');
    expect(await text('payment-address')).toBe('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
    expect(await text('payment-status')).toBe('Waiting for payment');
    expect(await text('payment-countdown')).toMatch(/^(1:00:00|59:[0-5]\d)$/);
    expect(await page.getByRole('link', { name: 'Open in a Bitcoin wallet app' }).getAttribute('href')).toBe(
      'bitcoin:tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx?amount=0.01',
    );
    await page.screenshot({ path: readmeScreenshot });
  });

  it('fits the dialog on a phone-sized screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await expectNoSidewaysScroll();
    const box = await page.getByTestId('payment-dialog').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    await page.getByRole('button', { name: 'Simulate payment' }).scrollIntoViewIfNeeded();
    expect(await page.getByRole('button', { name: 'Simulate payment' }).isVisible()).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('confirms the simulated payment and updates balance and history without reloading', async () => {
    await page.getByRole('button', { name: 'Simulate payment' }).click();

    await expect.poll(() => text('payment-status')).toBe('Confirmed');
    expect(await text('payment-confirmed')).toBe('Payment confirmed: 995.00000000 AITBC added to your wallet.');
    await expect.poll(() => text('wallet-balance')).toBe('995.00000000 AITBC');

    const purchase = page.getByTestId('transaction-row').filter({ hasText: 'Purchase' });
    await expect.poll(() => purchase.count()).toBe(1);
    await expect.poll(async () => (await purchase.getByTestId('transaction-status').innerText()).toLowerCase()).toBe('completed');
    expect(await purchase.getByTestId('transaction-amount').innerText()).toBe('+1,000.00000000');
    expect(await purchase.getByTestId('transaction-fee').innerText()).toBe('fee 5.00000000');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('closes with Done, ready for another purchase, with no errors on the page', async () => {
    await page.getByRole('button', { name: 'Done' }).click();

    expect(await page.getByTestId('payment-dialog').count()).toBe(0);
    expect(await page.getByLabel('You buy').inputValue()).toBe('');
    expect(pageErrors).toEqual([]);
  });
});
