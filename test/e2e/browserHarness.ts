import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../support/process.js';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Route } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestServer, type RunningServer } from '../support/server.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const API_PATH = /^\/(trpc|api|healthz)(\/|$)/;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const DEMO_WALLET_STORAGE_KEY = 'aitbc.demoWallet';
export const LAST_WALLET_STORAGE_KEY = 'aitbc.lastWallet';

/**
 * Builds the client into a folder of this test file's own. The server serves client/dist, which
 * other end-to-end files may rebuild (and empty) while they run, so the page files come from this
 * build through the browser's routing; every API call and the live stream go to the real server.
 */
export function buildClientInto(outDir: string): void {
  // Each build has an output folder of its own, so Vite's one-build-per-project lock is not needed
  // (and would fail a test whose build happens to overlap another file's).
  const args = ['build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir', '--bypass-lock'];
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'vite'), args, { cwd: repoRoot, stdio: 'inherit' });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error('vite build produced no index.html');
}


/** A Playwright route handler answering page requests with the files of a client build. */
export function builtFileServer(buildDir: string): (route: Route) => Promise<void> {
  return (route) => {
    const { pathname } = new URL(route.request().url());
    const relative = normalize(pathname === '/' ? 'index.html' : pathname.slice(1));
    const file = join(buildDir, relative);
    if (relative.startsWith('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'Not found' });
    return route.fulfill({
      status: 200,
      body: readFileSync(file),
      headers: { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' },
    });
  };
}

export interface BrowserExchange {
  /** `http://127.0.0.1:<port>`: the page's origin and the server's PUBLIC_ORIGIN. */
  url: string;
  /** The test database the server runs on (another server process may share it). */
  databaseUrl: string;
  /** The server's environment, for starting another process like it. */
  env: Record<string, string>;
  browser: Browser;
  /** Stops the server: the pages lose their connection, as in a network drop. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same address and database. */
  startServer(): Promise<void>;
  /** Uncaught errors of every page opened through `newPage`. */
  pageErrors: string[];
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  newPage(context: BrowserContext): Promise<Page>;
  stop(): Promise<void>;
}

/** The real server on SQLite, the client built, and headless Chromium (never downloaded). */
export async function startBrowserExchange(env: Record<string, string> = {}): Promise<BrowserExchange> {
  const buildDir = mkdtempSync(join(tmpdir(), 'aitbc-e2e-client-'));
  buildClientInto(buildDir);
  const database: TestDatabase = await createTestDatabase('sqlite');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const serverEnv = { PUBLIC_ORIGIN: origin, ...env };
  let server: RunningServer | null = await startTestServer(database.url, { PORT: String(port), ...serverEnv });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const pageErrors: string[] = [];

  const serveBuiltFile = builtFileServer(buildDir);

  return {
    url: origin,
    databaseUrl: database.url,
    env: serverEnv,
    browser,
    async stopServer() {
      await server?.stop();
      server = null;
    },
    async startServer() {
      server ??= await startTestServer(database.url, { PORT: String(port), ...serverEnv });
    },
    pageErrors,
    async newContext(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      // Only page files are routed; API calls and the event stream reach the server untouched.
      await context.route((url) => url.origin === origin && !API_PATH.test(url.pathname), serveBuiltFile);
      return context;
    },
    async newPage(context) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return page;
    },
    async stop() {
      await browser.close();
      await server?.stop();
      await database.drop();
      rmSync(buildDir, { recursive: true, force: true });
    },
  };
}

/** An element's text with white space collapsed. */
export async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();
}

/** The demo key wallet the page keeps in localStorage (secret key hex and address). */
export async function storedDemoWallet(page: Page): Promise<{ address: string; secret_key: string } | null> {
  const raw = await page.evaluate((key) => localStorage.getItem(key), DEMO_WALLET_STORAGE_KEY);
  return raw ? (JSON.parse(raw) as { address: string; secret_key: string }) : null;
}

/** Records the X-Session-Token the page sends (the token itself never leaves memory otherwise). */
export function captureSessionTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('request', (request) => {
    const token = request.headers()['x-session-token'];
    if (token && !tokens.includes(token)) tokens.push(token);
  });
  return tokens;
}
