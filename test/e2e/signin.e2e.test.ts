import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http.js';
import {
  LAST_WALLET_STORAGE_KEY,
  captureSessionTokens,
  startBrowserExchange,
  storedDemoWallet,
  textOf,
  type BrowserExchange,
} from './browserHarness.js';

const FIREFOX_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0';

async function tokenIsAccepted(baseUrl: string, token: string): Promise<boolean> {
  return (await api(baseUrl, 'GET', '/api/users/me', { token })).status === 200;
}

describe('signing in with the browser key, on two devices, in headless Chromium', () => {
  let exchange: BrowserExchange;
  let first: { context: BrowserContext; page: Page; tokens: string[] };
  let second: { context: BrowserContext; page: Page; tokens: string[] };
  let userId = '';
  let address = '';

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    const context = await exchange.newContext();
    const page = await exchange.newPage(context);
    first = { context, page, tokens: captureSessionTokens(page) };
  });

  afterAll(async () => {
    await exchange?.stop();
  });

  it('connects with a key created in the browser', async () => {
    await first.page.goto(`${exchange.url}/`);
    await first.page.getByRole('button', { name: 'Connect Wallet' }).click();
    await first.page.getByTestId('wallet-card').waitFor();

    address = (await storedDemoWallet(first.page))!.address;
    userId = await textOf(first.page, 'wallet-user-id');
    expect(await textOf(first.page, 'wallet-address')).toBe(address);
    expect(await textOf(first.page, 'wallet-kind')).toBe('Demo key in this browser (signed)');
  });

  it('comes back to the same account after a reload, with a new session; the old one is ended', async () => {
    const before = first.tokens.length;
    await first.page.reload();
    await first.page.getByTestId('wallet-card').waitFor();

    expect(await textOf(first.page, 'wallet-user-id')).toBe(userId);
    expect(await textOf(first.page, 'wallet-address')).toBe(address);
    await expect.poll(() => first.tokens.length).toBe(before + 1);
    // The token died with the page that held it, so the server ended that session as it unloaded.
    await expect.poll(() => tokenIsAccepted(exchange.url, first.tokens[0])).toBe(false);
    expect(await tokenIsAccepted(exchange.url, first.tokens.at(-1)!)).toBe(true);
  });

  it('signs a second browser with the same key (copied storage) in to the same account', async () => {
    // Another device of the same person: the wallet copied over, a different browser.
    const storageState = await first.context.storageState();
    const context = await exchange.newContext({ storageState, userAgent: FIREFOX_ON_MAC });
    const page = await exchange.newPage(context);
    second = { context, page, tokens: captureSessionTokens(page) };
    await page.goto(`${exchange.url}/`);
    await page.getByTestId('wallet-card').waitFor();

    expect(await textOf(page, 'wallet-user-id')).toBe(userId);
    expect(second.tokens).toHaveLength(1);
    expect(second.tokens[0]).not.toBe(first.tokens.at(-1));
    expect(await tokenIsAccepted(exchange.url, second.tokens[0])).toBe(true);
  });

  it('lists both sessions in the Sessions panel, this one marked', async () => {
    const page = first.page;
    await page.getByTestId('refresh-sessions').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(2);
    expect(await textOf(page, 'sessions-total')).toBe('2 active sessions');

    const current = page.locator('[data-testid="session-row"][data-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.getByTestId('session-current').innerText()).toBe('This device');
    expect(await current.getByTestId('session-device').innerText()).toBe('Chrome on Linux');
    const firefox = page.getByTestId('session-row').filter({ hasText: 'Firefox on macOS' });
    expect(await firefox.count()).toBe(1);
    expect(await firefox.getByTestId('session-ip').innerText()).toBe('127.0.0.1');
  });

  it('ends the other browser\'s session: its token is refused and it is back at Connect', async () => {
    const page = first.page;
    const firefox = page.getByTestId('session-row').filter({ hasText: 'Firefox on macOS' });
    await firefox.getByRole('button', { name: /^End session on Firefox on macOS/ }).click();

    await expect.poll(() => page.getByTestId('session-row').filter({ hasText: 'Firefox on macOS' }).count()).toBe(0);
    expect(await textOf(page, 'sessions-message')).toBe('The session was ended. That device has to connect again.');
    expect(await tokenIsAccepted(exchange.url, second.tokens[0])).toBe(false);
    expect(await tokenIsAccepted(exchange.url, first.tokens.at(-1)!)).toBe(true);

    // The other browser learns it through its live stream, without a click.
    await second.page.getByTestId('session-notice').waitFor({ timeout: 3_000 });
    expect(await textOf(second.page, 'session-notice')).toContain('Your session has expired.');
    expect(await second.page.getByTestId('wallet-card').count()).toBe(0);
  });

  it('ends all other sessions with one click', async () => {
    const page = first.page;
    // Two more devices sign in with the copied key.
    const storageState = await first.context.storageState();
    const others: Array<{ page: Page; tokens: string[] }> = [];
    for (let i = 0; i < 2; i += 1) {
      const otherPage = await exchange.newPage(await exchange.newContext({ storageState }));
      const tokens = captureSessionTokens(otherPage);
      await otherPage.goto(`${exchange.url}/`);
      await otherPage.getByTestId('wallet-card').waitFor();
      others.push({ page: otherPage, tokens });
    }
    await page.getByTestId('refresh-sessions').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(3);

    await page.getByRole('button', { name: 'End all other sessions' }).click();

    await expect.poll(() => textOf(page, 'sessions-message')).toBe('Ended 2 other sessions.');
    expect(await page.getByTestId('session-row').count()).toBe(1);
    for (const other of others) {
      expect(await tokenIsAccepted(exchange.url, other.tokens[0])).toBe(false);
      await other.page.getByTestId('session-notice').waitFor({ timeout: 3_000 });
    }
    expect(await tokenIsAccepted(exchange.url, first.tokens.at(-1)!)).toBe(true);
    expect(exchange.pageErrors).toEqual([]);
  });
});

describe('Connect MetaMask with an injected EIP-1193 wallet in headless Chromium', () => {
  let exchange: BrowserExchange;
  let context: BrowserContext;
  let page: Page;
  const account = privateKeyToAccount(generatePrivateKey());
  /** Every request the page made to the wallet, in order. */
  const walletRequests: Array<{ method: string; params: unknown[] }> = [];
  let declineNextSignature = false;

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    context = await exchange.newContext();
    page = await exchange.newPage(context);
    // The wallet's key lives in Node (a viem local account); the page only sees EIP-1193.
    await page.exposeFunction('__walletRequest', async (method: string, params: unknown[]) => {
      walletRequests.push({ method, params });
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: [account.address] };
      if (method === 'personal_sign') {
        if (declineNextSignature) {
          declineNextSignature = false;
          return { error: { code: 4001, message: 'User rejected the request.' } };
        }
        const [message, signer] = params as [`0x${string}`, string];
        if (signer.toLowerCase() !== account.address.toLowerCase()) return { error: { code: 4100, message: 'Unknown account' } };
        return { result: await account.signMessage({ message: { raw: message } }) };
      }
      return { error: { code: 4200, message: `Unsupported method ${method}` } };
    });
    await page.addInitScript(() => {
      type Answer = { result?: unknown; error?: { code: number; message: string } };
      const ask = (window as unknown as { __walletRequest(method: string, params: unknown[]): Promise<Answer> }).__walletRequest;
      (window as unknown as { ethereum: unknown }).ethereum = {
        isMetaMask: true,
        async request({ method, params = [] }: { method: string; params?: unknown[] }) {
          const answer = await ask(method, params);
          if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
          return answer.result;
        },
      };
    });
  });

  afterAll(async () => {
    await exchange?.stop();
  });

  it('offers Connect MetaMask when the page has an Ethereum wallet', async () => {
    await page.goto(`${exchange.url}/`);
    await page.getByTestId('connect-metamask').waitFor();
    expect(await textOf(page, 'connect-metamask')).toBe('Connect MetaMask');
    expect(walletRequests).toEqual([]);
  });

  it('runs Sign-In with Ethereum: account, the server\'s message signed with personal_sign, signed in', async () => {
    await page.getByRole('button', { name: 'Connect MetaMask' }).click();
    await page.getByTestId('wallet-card').waitFor();

    expect(walletRequests.map((request) => request.method)).toEqual(['eth_requestAccounts', 'personal_sign']);
    const [hexMessage, signer] = walletRequests[1].params as [string, string];
    const message = Buffer.from(hexMessage.slice(2), 'hex').toString('utf8');
    const host = new URL(exchange.url).host;
    expect(message.startsWith(`${host} wants you to sign in with your Ethereum account:\n${account.address}\n`)).toBe(true);
    expect(message).toContain(`\nURI: ${exchange.url}\n`);
    expect(signer).toBe(account.address);

    expect(await textOf(page, 'wallet-address')).toBe(account.address.toLowerCase());
    expect(await textOf(page, 'wallet-kind')).toBe('Ethereum wallet (Sign-In with Ethereum)');
    expect(await page.getByTestId('demo-wallet-note').count()).toBe(0);
    expect(await storedDemoWallet(page)).toBeNull();
    await expect.poll(() => textOf(page, 'live-indicator')).toBe('Live');
  });

  it('does not open the wallet by itself after a reload; one click signs in to the same account', async () => {
    const userId = await textOf(page, 'wallet-user-id');
    await page.reload();
    await page.getByTestId('connect-metamask').waitFor();
    expect(await page.getByTestId('wallet-card').count()).toBe(0);
    expect(walletRequests).toHaveLength(2);
    expect(await page.evaluate((key) => localStorage.getItem(key), LAST_WALLET_STORAGE_KEY)).toBe('ethereum');

    await page.getByRole('button', { name: 'Connect MetaMask' }).click();
    await page.getByTestId('wallet-card').waitFor();
    expect(await textOf(page, 'wallet-user-id')).toBe(userId);
  });

  it('stays signed out and says why when the signature is declined', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('connect-metamask').waitFor();
    declineNextSignature = true;

    await page.getByRole('button', { name: 'Connect MetaMask' }).click();

    await page.getByTestId('connect-error').waitFor();
    expect(await textOf(page, 'connect-error')).toBe('You declined the request in your Ethereum wallet. Nothing was signed.');
    expect(await page.getByTestId('wallet-card').count()).toBe(0);
    expect(exchange.pageErrors).toEqual([]);
  });
});
