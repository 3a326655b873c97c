// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import type { Pinia } from 'pinia';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import App from '../../client/App.vue';
import AlertBanner from '../../client/components/AlertBanner.vue';
import TransactionStatusBadge from '../../client/components/TransactionStatusBadge.vue';
import { useSessionStore } from '../../client/stores/session';
import {
  DEMO_WALLET_STORAGE_KEY,
  LEGACY_WALLET_STORAGE_KEY,
  demoWalletFromSecretKey,
  readDemoWallet,
} from '../../client/utils/demoWallet';
import type { Eip1193Provider } from '../../client/utils/ethereum';
import {
  freshPinia,
  fundOverRest,
  loginNewUser,
  pointPageAt,
  rememberSignedUpKeyWallet,
  revokeFromOutside,
  signInElsewhere,
  startClientServer,
  stopLiveUpdates,
  tokenIsAccepted,
  type ClientServer,
} from './harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AITBC_KEY_ADDRESS = /^aitbc1[02-9ac-hj-np-z]{38}$/;
const FIREFOX_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0';

type EthereumWindow = Window & { ethereum?: Eip1193Provider };

describe('the exchange page against the real server', () => {
  let exchange: ClientServer;
  let pinia: Pinia;
  let wrapper: VueWrapper | undefined;

  const byTestId = (id: string) => wrapper!.find(`[data-testid="${id}"]`);
  const allByTestId = (id: string) => wrapper!.findAll(`[data-testid="${id}"]`);
  const textOf = (id: string) => byTestId(id).text().replace(/\s+/g, ' ').trim();
  const messageOf = (id: string) => byTestId(id).get('.alert-banner-message').text();

  function mountApp(): VueWrapper {
    wrapper = mount(App, { global: { plugins: [pinia] }, attachTo: document.body });
    return wrapper;
  }

  async function connect(): Promise<void> {
    await byTestId('connect-wallet').trigger('click');
    await vi.waitFor(() => expect(byTestId('wallet-balance').exists()).toBe(true));
  }

  beforeAll(async () => {
    exchange = await startClientServer();
  });
  afterAll(async () => {
    stopLiveUpdates();
    await exchange?.stop();
  });
  beforeEach(() => {
    pinia = freshPinia();
    pointPageAt(exchange.url);
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = undefined;
    delete (window as EthereumWindow).ethereum;
  });

  describe('connecting', () => {
    it('greets a first-time visitor with the Connect Wallet button and no MetaMask button', async () => {
      mountApp();
      await flushPromises();

      const button = byTestId('connect-wallet');
      expect(button.text()).toBe('Connect Wallet');
      expect(button.attributes('disabled')).toBeUndefined();
      expect(byTestId('connect-metamask').exists()).toBe(false);
      expect(byTestId('wallet-card').exists()).toBe(false);
      expect(byTestId('logout-button').exists()).toBe(false);
    });

    it('shows a busy Connect Wallet button while signing in', async () => {
      mountApp();
      await byTestId('connect-wallet').trigger('click');
      await nextTick();

      expect(byTestId('connect-wallet').text()).toBe('Connecting…');
      expect(byTestId('connect-wallet').attributes('disabled')).toBeDefined();
      await vi.waitFor(() => expect(byTestId('wallet-card').exists()).toBe(true));
    });

    it('shows the key wallet\'s address, username, user id, member-since date and a zero balance', async () => {
      mountApp();
      await connect();

      const address = readDemoWallet()!.address;
      expect(address).toMatch(AITBC_KEY_ADDRESS);
      expect(textOf('wallet-address')).toBe(address);
      expect(textOf('wallet-kind')).toBe('Demo key in this browser (signed)');
      expect(textOf('wallet-username')).toBe(`user_${address.slice(-8)}`);
      expect(textOf('wallet-user-id')).toMatch(UUID);
      expect(textOf('wallet-member-since')).toMatch(new RegExp(`^[A-Z][a-z]{2} \\d{1,2}, ${new Date().getFullYear()}$`));
      expect(textOf('wallet-balance')).toBe('0.00000000 AITBC');
    });

    it('signs a returning visitor straight back in to the same account', async () => {
      const { wallet, userId } = await rememberSignedUpKeyWallet(exchange.url);

      mountApp();
      await vi.waitFor(() => expect(byTestId('wallet-card').exists()).toBe(true));

      expect(textOf('wallet-user-id')).toBe(userId);
      expect(textOf('wallet-address')).toBe(wallet.address);
    });

    it('shows an error when the exchange cannot be reached', async () => {
      const gone = await startClientServer();
      await gone.stop();
      mountApp();
      await byTestId('connect-wallet').trigger('click');
      await vi.waitFor(() => expect(byTestId('connect-error').exists()).toBe(true));

      expect(textOf('connect-error')).toBe('Cannot reach the exchange. Check your connection and try again.');
      expect(byTestId('connect-error').attributes('role')).toBe('alert');
      expect(byTestId('connect-wallet').text()).toBe('Connect Wallet');
    });
  });

  describe('Connect MetaMask', () => {
    function injectEthereumWallet(opts: { declineSigning?: boolean } = {}) {
      const account = privateKeyToAccount(generatePrivateKey());
      const methods: string[] = [];
      (window as EthereumWindow).ethereum = {
        async request({ method, params = [] }) {
          methods.push(method);
          if (method === 'eth_requestAccounts') return [account.address];
          if (method === 'personal_sign') {
            if (opts.declineSigning) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
            return account.signMessage({ message: { raw: params[0] as `0x${string}` } });
          }
          throw Object.assign(new Error('Unsupported'), { code: 4200 });
        },
      };
      return { account, methods };
    }

    it('signs in with the injected Ethereum wallet', async () => {
      const { account, methods } = injectEthereumWallet();
      mountApp();
      await flushPromises();
      expect(textOf('connect-metamask')).toBe('Connect MetaMask');

      await byTestId('connect-metamask').trigger('click');
      await vi.waitFor(() => expect(byTestId('wallet-card').exists()).toBe(true));

      expect(methods).toEqual(['eth_requestAccounts', 'personal_sign']);
      expect(textOf('wallet-address')).toBe(account.address.toLowerCase());
      expect(textOf('wallet-kind')).toBe('Ethereum wallet (Sign-In with Ethereum)');
      expect(byTestId('demo-wallet-note').exists()).toBe(false);
      expect(readDemoWallet()).toBeNull();
      expect(wrapper!.text()).toContain('Welcome! Your account was created for this Ethereum address.');
    });

    it('shows why nothing happened when the signature is declined', async () => {
      injectEthereumWallet({ declineSigning: true });
      mountApp();
      await flushPromises();

      await byTestId('connect-metamask').trigger('click');
      await vi.waitFor(() => expect(byTestId('connect-error').exists()).toBe(true));

      expect(textOf('connect-error')).toBe('You declined the request in your Ethereum wallet. Nothing was signed.');
      expect(textOf('connect-metamask')).toBe('Connect MetaMask');
      expect(byTestId('wallet-card').exists()).toBe(false);
    });
  });

  describe('the demo wallet note', () => {
    it('says it is a demo wallet and shows the secret key only after a confirmation', async () => {
      mountApp();
      await connect();
      expect(textOf('demo-wallet-note')).toContain('This is a demo wallet.');
      expect(byTestId('demo-wallet-secret').exists()).toBe(false);

      await byTestId('export-key').trigger('click');
      expect(byTestId('demo-wallet-secret').exists()).toBe(false);
      expect(textOf('demo-wallet-note')).toContain('Anyone who sees this key controls the wallet.');
      await byTestId('confirm-export-key').trigger('click');

      const secret = textOf('demo-wallet-secret');
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(demoWalletFromSecretKey(secret).address).toBe(textOf('wallet-address'));

      await byTestId('hide-secret-key').trigger('click');
      expect(byTestId('demo-wallet-secret').exists()).toBe(false);
      expect(document.body.innerHTML).not.toContain(secret);
    });

    it('copies the secret key to the clipboard', async () => {
      mountApp();
      await connect();
      await byTestId('export-key').trigger('click');
      await byTestId('confirm-export-key').trigger('click');

      await byTestId('copy-secret-key').trigger('click');
      await vi.waitFor(() => expect(byTestId('copy-secret-message').exists()).toBe(true));

      expect(textOf('copy-secret-message')).toBe('Copied. Keep it somewhere safe and private.');
      expect(await navigator.clipboard.readText()).toBe(readDemoWallet()!.secretKeyHex);
    });

    it('forgets the wallet after a confirmation: logged out, key gone, a new wallet next time', async () => {
      mountApp();
      await connect();
      const address = textOf('wallet-address');
      const token = useSessionStore(pinia).token!;

      await byTestId('forget-wallet').trigger('click');
      expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).not.toBeNull();
      await byTestId('confirm-forget-wallet').trigger('click');
      await vi.waitFor(() => expect(byTestId('connect-wallet').exists()).toBe(true));

      expect(messageOf('session-notice')).toBe(
        'The demo wallet was removed from this browser. Connecting again creates a new wallet and account.',
      );
      expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBeNull();
      expect(await tokenIsAccepted(exchange.url, token)).toBe(false);

      await connect();
      expect(textOf('wallet-address')).not.toBe(address);
    });

    it('tells an address-only visitor about the risk and switches them to a key wallet', async () => {
      const old = await loginNewUser(exchange.url);
      localStorage.setItem(LEGACY_WALLET_STORAGE_KEY, old.address);
      mountApp();
      await vi.waitFor(() => expect(byTestId('legacy-wallet-note').exists()).toBe(true));
      expect(textOf('wallet-address')).toBe(old.address);
      expect(textOf('wallet-kind')).toBe('Address only (older demo wallet)');
      expect(textOf('legacy-wallet-note')).toContain('Anyone who knows its address can sign in to it');

      await byTestId('switch-to-key-wallet').trigger('click');
      await byTestId('confirm-switch-to-key-wallet').trigger('click');
      await vi.waitFor(() => expect(byTestId('demo-wallet-note').exists()).toBe(true));

      expect(textOf('wallet-address')).toBe(readDemoWallet()!.address);
      expect(textOf('wallet-user-id')).not.toBe(old.userId);
      expect(localStorage.getItem(LEGACY_WALLET_STORAGE_KEY)).toBeNull();
    });
  });

  describe('balance and history', () => {
    it('shows the empty state when there is no history yet', async () => {
      mountApp();
      await connect();
      await vi.waitFor(() => expect(byTestId('transactions-empty').exists()).toBe(true));

      expect(textOf('transactions-empty')).toContain('No transactions yet');
      expect(allByTestId('transaction-row')).toHaveLength(0);
      expect(textOf('transactions-total')).toBe('0 transactions');
    });

    it('updates balance and history when the faucet button is clicked', async () => {
      mountApp();
      await connect();
      await byTestId('faucet-button').trigger('click');
      await vi.waitFor(() => expect(byTestId('faucet-message').exists()).toBe(true));

      expect(textOf('wallet-balance')).toBe('1,000.00000000 AITBC');
      expect(textOf('faucet-message')).toBe('1,000.00000000 AITBC added to your wallet.');
      const rows = allByTestId('transaction-row');
      expect(rows).toHaveLength(1);
      expect(rows[0].find('[data-testid="transaction-type"]').text()).toBe('Deposit');
      expect(rows[0].find('[data-testid="transaction-amount"]').text()).toBe('+1,000.00000000');
      expect(rows[0].find('[data-testid="transaction-status"]').text()).toBe('completed');
      expect(rows[0].find('time').attributes('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(textOf('transactions-total')).toBe('1 transaction');
      expect(byTestId('transactions-empty').exists()).toBe(false);
    });

    it('pages the history with Load more until every transaction is shown', async () => {
      const { token, userId } = await rememberSignedUpKeyWallet(exchange.url);
      for (let i = 1; i <= 12; i += 1) await fundOverRest(exchange.url, token, userId, `${i}.5`);

      mountApp();
      await vi.waitFor(() => expect(allByTestId('transaction-row')).toHaveLength(10));
      expect(textOf('wallet-balance')).toBe('84.00000000 AITBC');
      expect(textOf('transactions-shown')).toBe('Showing 10 of 12');
      expect(allByTestId('transaction-amount')[0].text()).toBe('+12.50000000');

      await byTestId('load-more').trigger('click');
      await vi.waitFor(() => expect(allByTestId('transaction-row')).toHaveLength(12));

      expect(textOf('transactions-shown')).toBe('Showing 12 of 12');
      expect(allByTestId('transaction-amount')[11].text()).toBe('+1.50000000');
      expect(byTestId('load-more').exists()).toBe(false);
    });

    it('shows Live, and changes made on another device appear without a click', async () => {
      mountApp();
      await connect();
      await vi.waitFor(() => expect(textOf('live-indicator')).toBe('Live'));
      expect(byTestId('live-indicator').attributes('data-state')).toBe('live');
      const session = useSessionStore(pinia);
      const elsewhere = await signInElsewhere(exchange.url, readDemoWallet()!);

      await fundOverRest(exchange.url, elsewhere.token, session.userId!, '250');

      await vi.waitFor(() => expect(textOf('wallet-balance')).toBe('250.00000000 AITBC'), { timeout: 1_000 });
      await vi.waitFor(() => expect(allByTestId('transaction-row')).toHaveLength(1), { timeout: 1_000 });
      expect(allByTestId('transaction-amount')[0].text()).toBe('+250.00000000');
      expect(textOf('transactions-total')).toBe('1 transaction');
    });
  });

  describe('the Sessions panel', () => {
    async function connectWithSecondDevice() {
      mountApp();
      await connect();
      const other = await signInElsewhere(exchange.url, readDemoWallet()!, { 'User-Agent': FIREFOX_ON_MAC });
      await byTestId('refresh-sessions').trigger('click');
      await vi.waitFor(() => expect(allByTestId('session-row')).toHaveLength(2));
      return other;
    }

    it('lists this device first, marked, and the other with its browser, IP and times', async () => {
      await connectWithSecondDevice();

      const [current, other] = allByTestId('session-row');
      expect(textOf('sessions-total')).toBe('2 active sessions');
      expect(current.attributes('data-current')).toBe('true');
      expect(current.find('[data-testid="session-current"]').text()).toBe('This device');
      expect(current.find('[data-testid="end-session"]').exists()).toBe(false);
      expect(other.find('[data-testid="session-current"]').exists()).toBe(false);
      expect(other.find('[data-testid="session-device"]').text()).toBe('Firefox on macOS');
      expect(other.find('[data-testid="session-user-agent"]').text()).toBe(FIREFOX_ON_MAC);
      expect(other.find('[data-testid="session-ip"]').text()).toMatch(/127\.0\.0\.1|::1/);
      expect(other.find('[data-testid="session-created"]').attributes('datetime')).toMatch(/Z$/);
      expect(other.find('[data-testid="session-last-used"]').attributes('datetime')).toMatch(/Z$/);
    });

    it('ends the other session: its token is refused, this page stays signed in', async () => {
      const other = await connectWithSecondDevice();

      await allByTestId('session-row')[1].get('[data-testid="end-session"]').trigger('click');
      await vi.waitFor(() => expect(allByTestId('session-row')).toHaveLength(1));

      expect(textOf('sessions-message')).toBe('The session was ended. That device has to connect again.');
      expect(await tokenIsAccepted(exchange.url, other.token)).toBe(false);
      expect(await tokenIsAccepted(exchange.url, useSessionStore(pinia).token!)).toBe(true);
      expect(byTestId('wallet-card').exists()).toBe(true);
    });

    it('ends all other sessions at once', async () => {
      const other = await connectWithSecondDevice();

      await byTestId('end-other-sessions').trigger('click');
      await vi.waitFor(() => expect(byTestId('sessions-message').exists()).toBe(true));

      expect(textOf('sessions-message')).toBe('Ended 1 other session.');
      expect(allByTestId('session-row')).toHaveLength(1);
      expect(byTestId('end-other-sessions').exists()).toBe(false);
      expect(await tokenIsAccepted(exchange.url, other.token)).toBe(false);
    });
  });

  describe('signing out', () => {
    it('logs out back to the connect screen, keeping the demo wallet on the device', async () => {
      mountApp();
      await connect();
      const address = textOf('wallet-address');
      const stored = localStorage.getItem(DEMO_WALLET_STORAGE_KEY);
      const token = useSessionStore(pinia).token!;

      await byTestId('logout-button').trigger('click');
      await vi.waitFor(() => expect(byTestId('connect-wallet').exists()).toBe(true));

      expect(byTestId('wallet-card').exists()).toBe(false);
      expect(byTestId('logout-button').exists()).toBe(false);
      expect(messageOf('session-notice')).toBe('You have been logged out. Your demo wallet stays on this device.');
      expect(document.body.innerHTML).not.toContain(address);
      expect(document.body.innerHTML).not.toContain(token);
      expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBe(stored);
    });

    it('goes back to the connect screen with a message, unprompted, when the session is ended elsewhere', async () => {
      mountApp();
      await connect();
      await vi.waitFor(() => expect(textOf('live-indicator')).toBe('Live'));

      await revokeFromOutside(exchange.url, useSessionStore(pinia).token!);
      await vi.waitFor(() => expect(byTestId('connect-wallet').exists()).toBe(true), { timeout: 2_000 });

      expect(byTestId('wallet-card').exists()).toBe(false);
      expect(messageOf('session-notice')).toBe('Your session has expired. Please connect your wallet again.');
      expect(byTestId('session-notice').attributes('role')).toBe('status');
    });

    it('signs in again with the same account after an expired session', async () => {
      mountApp();
      await connect();
      const userId = textOf('wallet-user-id');
      await revokeFromOutside(exchange.url, useSessionStore(pinia).token!);
      await vi.waitFor(() => expect(byTestId('session-notice').exists()).toBe(true), { timeout: 2_000 });

      await connect();

      expect(textOf('wallet-user-id')).toBe(userId);
      expect(byTestId('session-notice').exists()).toBe(false);
    });
  });
});

describe('presentational components', () => {
  it('labels a transaction status badge with its status', () => {
    const badge = mount(TransactionStatusBadge, { props: { status: 'pending' } });
    expect(badge.text()).toBe('pending');
    expect(badge.classes()).toContain('status-badge-pending');
  });

  it('emits dismiss from a dismissible alert', async () => {
    const alert = mount(AlertBanner, { props: { message: 'Saved.', tone: 'success', dismissible: true } });
    expect(alert.attributes('role')).toBe('status');
    await alert.get('button[aria-label="Dismiss message"]').trigger('click');
    expect(alert.emitted('dismiss')).toHaveLength(1);
  });

  it('announces an error alert without a dismiss button', () => {
    const alert = mount(AlertBanner, { props: { message: 'Failed.', tone: 'error' } });
    expect(alert.attributes('role')).toBe('alert');
    expect(alert.find('button').exists()).toBe(false);
  });
});
