// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import type { Pinia } from 'pinia';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import App from '../../client/App.vue';
import AlertBanner from '../../client/components/AlertBanner.vue';
import TransactionStatusBadge from '../../client/components/TransactionStatusBadge.vue';
import { useSessionStore } from '../../client/stores/session';
import { DEMO_WALLET_STORAGE_KEY } from '../../client/utils/demoWallet';
import {
  freshPinia,
  fundOverRest,
  loginNewUser,
  pointPageAt,
  revokeFromOutside,
  startClientServer,
  type ClientServer,
} from './harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
    await exchange?.stop();
  });
  beforeEach(() => {
    pinia = freshPinia();
    pointPageAt(exchange.url);
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = undefined;
  });

  it('greets a first-time visitor with the Connect Wallet button', async () => {
    mountApp();
    await flushPromises();

    const button = byTestId('connect-wallet');
    expect(button.text()).toBe('Connect Wallet');
    expect(button.attributes('disabled')).toBeUndefined();
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

  it('shows address, username, user id, member-since date and a zero balance after connecting', async () => {
    mountApp();
    await connect();

    const address = localStorage.getItem(DEMO_WALLET_STORAGE_KEY)!;
    expect(address).toMatch(/^aitbc1[a-z2-7]{38}$/);
    expect(textOf('wallet-address')).toBe(address);
    expect(textOf('wallet-username')).toBe(`user_${address.slice(-8)}`);
    expect(textOf('wallet-user-id')).toMatch(UUID);
    expect(textOf('wallet-member-since')).toMatch(new RegExp(`^[A-Z][a-z]{2} \\d{1,2}, ${new Date().getFullYear()}$`));
    expect(textOf('wallet-balance')).toBe('0.00000000 AITBC');
  });

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
    await vi.waitFor(() => expect(textOf('wallet-balance')).toBe('1,000.00000000 AITBC'));

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
    const user = await loginNewUser(exchange.url);
    for (let i = 1; i <= 12; i += 1) await fundOverRest(exchange.url, user.token, user.userId, `${i}.5`);
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, user.address);

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

  it('signs a returning visitor straight back in to the same account', async () => {
    const user = await loginNewUser(exchange.url);
    localStorage.setItem(DEMO_WALLET_STORAGE_KEY, user.address);

    mountApp();
    await vi.waitFor(() => expect(byTestId('wallet-card').exists()).toBe(true));

    expect(textOf('wallet-user-id')).toBe(user.userId);
    expect(textOf('wallet-address')).toBe(user.address);
  });

  it('logs out back to the connect screen, keeping the demo wallet on the device', async () => {
    mountApp();
    await connect();
    const address = textOf('wallet-address');
    const token = useSessionStore(pinia).token!;

    await byTestId('logout-button').trigger('click');
    await vi.waitFor(() => expect(byTestId('connect-wallet').exists()).toBe(true));

    expect(byTestId('wallet-card').exists()).toBe(false);
    expect(byTestId('logout-button').exists()).toBe(false);
    expect(messageOf('session-notice')).toBe('You have been logged out. Your demo wallet stays on this device.');
    expect(document.body.innerHTML).not.toContain(address);
    expect(document.body.innerHTML).not.toContain(token);
    expect(localStorage.getItem(DEMO_WALLET_STORAGE_KEY)).toBe(address);
  });

  it('logs out with a visible message when the server answers 401', async () => {
    mountApp();
    await connect();
    await revokeFromOutside(exchange.url, useSessionStore(pinia).token!);

    await byTestId('refresh-history').trigger('click');
    await vi.waitFor(() => expect(byTestId('connect-wallet').exists()).toBe(true));

    expect(byTestId('wallet-card').exists()).toBe(false);
    expect(messageOf('session-notice')).toBe('Your session has expired. Please connect your wallet again.');
    expect(byTestId('session-notice').attributes('role')).toBe('status');
  });

  it('signs in again with the same account after an expired session', async () => {
    mountApp();
    await connect();
    const userId = textOf('wallet-user-id');
    await revokeFromOutside(exchange.url, useSessionStore(pinia).token!);
    await byTestId('faucet-button').trigger('click');
    await vi.waitFor(() => expect(byTestId('session-notice').exists()).toBe(true));

    await connect();

    expect(textOf('wallet-user-id')).toBe(userId);
    expect(byTestId('session-notice').exists()).toBe(false);
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
