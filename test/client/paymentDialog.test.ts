// @vitest-environment happy-dom
import type { DOMWrapper } from '@vue/test-utils';
import { create as encodeQr } from 'qrcode';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useExchangeStore } from '../../client/stores/exchange';
import { confirm, EXCHANGE_ENV } from '../api/exchange.support.js';
import { mountApp, valueOf, type MountedApp } from './buyHarness';
import { freshPinia, pointPageAt, startClientServer, type ClientServer, useClientServer } from './harness';

const QUIET_ZONE = 4;

/** The dark modules the SVG draws, read back from its path ("row,col" keys). */
function drawnModules(svg: DOMWrapper<Element>): Set<string> {
  const dark = new Set<string>();
  const path = svg.find('path').attributes('d') ?? '';
  for (const [, x, y, run] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(run); i += 1) dark.add(`${Number(y) - QUIET_ZONE},${Number(x) - QUIET_ZONE + i}`);
  }
  return dark;
}

/** "59:58" or "1:00:00" → seconds. */
function secondsOf(countdown: string): number {
  return countdown.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

describe('the payment dialog against the real server', () => {
  const server = useClientServer(EXCHANGE_ENV);
  let app: MountedApp | undefined;

  /** Connects, types an AITBC amount, clicks Buy and waits for the dialog. */
  async function buy(aitbc: string): Promise<MountedApp> {
    app = mountApp(server.pinia);
    await app.connect();
    await app.type('buy-aitbc-input', aitbc);
    await app.byTestId('buy-submit').trigger('click');
    const opened = app;
    await vi.waitFor(() => expect(opened.byTestId('payment-dialog').exists()).toBe(true));
    return opened;
  }

  afterEach(() => {
    app?.wrapper.unmount();
    app = undefined;
  });

  it('shows the payment address and the exact BTC amount to send', async () => {
    const { textOf } = await buy('1000');
    const payment = useExchangeStore(server.pinia).payment!;

    expect(textOf('payment-address')).toBe(payment.payment_address);
    expect(payment.payment_address).toMatch(/^(tb1|bc1)[a-z0-9]{20,}$/);
    expect(textOf('payment-btc-amount')).toBe('0.01000000 BTC');
    expect(textOf('payment-fee')).toBe('5.00000000 AITBC');
    expect(textOf('payment-receive')).toBe('995.00000000 AITBC');
    expect(textOf('payment-confirmations')).toBe('0 of 3');
    expect(textOf('payment-status')).toBe('Waiting for payment');
  });

  it('draws a QR code of the BIP-21 payment URI, generated on the page', async () => {
    const { byTestId } = await buy('1000');
    const payment = useExchangeStore(server.pinia).payment!;
    expect(payment.payment_uri).toBe(`bitcoin:${payment.payment_address}?amount=0.01`);

    const svg = byTestId('payment-qr');
    expect(svg.element.tagName.toLowerCase()).toBe('svg');
    expect(svg.attributes('role')).toBe('img');
    expect(svg.attributes('aria-label')).toContain(payment.payment_address);

    const { modules } = encodeQr(payment.payment_uri, { errorCorrectionLevel: 'M' });
    expect(svg.attributes('viewBox')).toBe(`0 0 ${modules.size + 8} ${modules.size + 8}`);
    const drawn = drawnModules(svg);
    let darkCount = 0;
    for (let row = 0; row < modules.size; row += 1) {
      for (let col = 0; col < modules.size; col += 1) {
        const dark = Boolean(modules.get(row, col));
        if (dark) darkCount += 1;
        expect(drawn.has(`${row},${col}`), `module ${row},${col}`).toBe(dark);
      }
    }
    expect(drawn.size).toBe(darkCount);
  });

  it('offers to open the payment in a wallet app through the same URI', async () => {
    const { wrapper } = await buy('1000');
    const payment = useExchangeStore(server.pinia).payment!;

    expect(wrapper.find('a.payment-open-wallet').attributes('href')).toBe(payment.payment_uri);
  });

  it('counts down to the expiry, an hour from now', async () => {
    const { textOf } = await buy('1000');
    const first = secondsOf(textOf('payment-countdown'));
    expect(first).toBeGreaterThanOrEqual(3595);
    expect(first).toBeLessThanOrEqual(3600);

    await vi.waitFor(() => expect(secondsOf(textOf('payment-countdown'))).toBeLessThan(first), { timeout: 3000 });
    expect(textOf('payment-countdown')).toMatch(/^(59:[0-5]\d|1:00:00)$/);
    expect(textOf('payment-status')).toBe('Waiting for payment');
  });

  it('confirms a simulated payment and updates balance and history without reloading', async () => {
    const { byTestId, allByTestId, textOf } = await buy('1000');
    expect(textOf('wallet-balance')).toBe('0.00000000 AITBC');

    await byTestId('simulate-payment').trigger('click');

    await vi.waitFor(() => expect(textOf('payment-status')).toBe('Confirmed'));
    expect(textOf('payment-confirmed')).toBe('Payment confirmed: 995.00000000 AITBC added to your wallet.');
    expect(textOf('payment-confirmations')).toBe('3 of 3');
    expect(byTestId('payment-countdown').exists()).toBe(false);
    expect(byTestId('simulate-payment').exists()).toBe(false);
    await vi.waitFor(() => expect(textOf('wallet-balance')).toBe('995.00000000 AITBC'));
    const row = allByTestId('transaction-row')[0];
    expect(row.find('[data-testid="transaction-type"]').text()).toBe('Purchase');
    expect(row.find('[data-testid="transaction-amount"]').text()).toBe('+1,000.00000000');
    expect(row.find('[data-testid="transaction-fee"]').text()).toBe('fee 5.00000000');
    expect(row.find('[data-testid="transaction-status"]').text()).toBe('completed');
  });

  it('closes with Done after the payment confirmed, ready for the next purchase', async () => {
    const current = await buy('1000');
    await current.byTestId('simulate-payment').trigger('click');
    await vi.waitFor(() => expect(current.textOf('payment-status')).toBe('Confirmed'));

    await current.byTestId('payment-done').trigger('click');

    expect(current.byTestId('payment-dialog').exists()).toBe(false);
    expect(current.byTestId('buy-pending').exists()).toBe(false);
    expect(valueOf(current, 'buy-aitbc-input')).toBe('');
  });

  it('closes with Escape while pending, and shows the waiting payment again on request', async () => {
    const current = await buy('1000');
    const paymentId = useExchangeStore(server.pinia).payment!.payment_id;

    await current.byTestId('payment-dialog').trigger('keydown', { key: 'Escape' });
    expect(current.byTestId('payment-dialog').exists()).toBe(false);
    expect(current.textOf('buy-pending')).toContain('Your payment request is still waiting for bitcoin.');

    await current.byTestId('buy-pending').find('button').trigger('click');

    expect(current.byTestId('payment-dialog').exists()).toBe(true);
    expect(useExchangeStore(server.pinia).payment!.payment_id).toBe(paymentId);
  });

  it('turns Confirmed when the wallet store sees the purchase complete (payment made elsewhere)', async () => {
    const current = await buy('250');
    const payment = useExchangeStore(server.pinia).payment!;

    // The payment processor's webhook confirms it; the history learns of it live, or on refresh.
    await confirm(server.url, payment);
    await current.byTestId('refresh-history').trigger('click');

    await vi.waitFor(() => expect(current.textOf('payment-status')).toBe('Confirmed'));
    expect(current.textOf('payment-confirmations')).toBe('3 of 3');
    await vi.waitFor(() => expect(current.textOf('wallet-balance')).toBe('248.75000000 AITBC'));
  });

  it('shows no Simulate payment button when the exchange does not offer simulation', async () => {
    const current = await buy('1000');
    const exchange = useExchangeStore(server.pinia);

    exchange.rates = { ...exchange.rates!, simulation_enabled: false };
    await current.wrapper.vm.$nextTick();

    expect(current.byTestId('simulate-payment').exists()).toBe(false);
    expect(current.byTestId('refresh-payment').exists()).toBe(true);
  });

  it('reads the status again when Check status is clicked', async () => {
    const current = await buy('1000');
    await confirm(server.url, useExchangeStore(server.pinia).payment!);

    await current.byTestId('refresh-payment').trigger('click');

    await vi.waitFor(() => expect(current.textOf('payment-status')).toBe('Confirmed'));
  });
});

describe('a payment request that runs out of time', () => {
  let server: ClientServer;
  let app: MountedApp | undefined;

  beforeAll(async () => {
    server = await startClientServer({ ...EXCHANGE_ENV, PAYMENT_TIMEOUT_SECONDS: '2' });
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    app?.wrapper.unmount();
    app = undefined;
  });

  it('counts down to zero, then shows it expired and the purchase failed', async () => {
    const pinia = freshPinia();
    pointPageAt(server.url);
    const current = mountApp(pinia);
    app = current;
    await current.connect();
    await current.type('buy-aitbc-input', '1000');
    await current.byTestId('buy-submit').trigger('click');
    await vi.waitFor(() => expect(current.byTestId('payment-dialog').exists()).toBe(true));
    expect(secondsOf(current.textOf('payment-countdown'))).toBeLessThanOrEqual(2);

    await vi.waitFor(() => expect(current.textOf('payment-status')).toBe('Expired'), { timeout: 8000 });

    expect(current.textOf('payment-expired')).toContain('This payment request expired and nothing was charged.');
    expect(current.byTestId('simulate-payment').exists()).toBe(false);
    await vi.waitFor(() => expect(current.allByTestId('transaction-status')[0]?.text()).toBe('failed'));
    expect(current.textOf('wallet-balance')).toBe('0.00000000 AITBC');
  });
});
