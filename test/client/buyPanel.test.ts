// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXCHANGE_ENV } from '../api/exchange.support.js';
import { mountApp, valueOf, type MountedApp } from './buyHarness';
import { useClientServer } from './harness';

describe('the Buy AITBC panel against the real server', () => {
  const server = useClientServer(EXCHANGE_ENV);
  let app: MountedApp | undefined;

  async function connectedApp(): Promise<MountedApp> {
    app = mountApp(server.pinia);
    await app.connect();
    return app;
  }

  afterEach(() => {
    app?.wrapper.unmount();
    app = undefined;
  });

  it('shows the rate, the fee and the limits before anything is typed', async () => {
    const { textOf, byTestId } = await connectedApp();

    expect(textOf('buy-rate')).toBe('1 BTC = 100,000 AITBC');
    expect(textOf('buy-summary')).toContain('Fee (0.5%)');
    expect(textOf('buy-limits')).toBe('0.0001 to 10 BTC per purchase');
    expect(textOf('buy-receive')).toBe('—');
    expect(byTestId('buy-submit').attributes('disabled')).toBeDefined();
    expect(byTestId('buy-amount-error').exists()).toBe(false);
  });

  it('fills in BTC as AITBC is typed, and quotes fee and amount received', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '1000');

    expect(valueOf(app, 'buy-btc-input')).toBe('0.01');
    expect(app.textOf('buy-pay')).toBe('0.01000000 BTC');
    expect(app.textOf('buy-fee')).toBe('5.00000000 AITBC');
    expect(app.textOf('buy-receive')).toBe('995.00000000 AITBC');
    expect(app.textOf('buy-submit')).toBe('Buy 1,000 AITBC');
    expect(app.byTestId('buy-submit').attributes('disabled')).toBeUndefined();
  });

  it('fills in AITBC as BTC is typed', async () => {
    const app = await connectedApp();
    await app.type('buy-btc-input', '0.25');

    expect(valueOf(app, 'buy-aitbc-input')).toBe('25000');
    expect(app.textOf('buy-fee')).toBe('125.00000000 AITBC');
    expect(app.textOf('buy-receive')).toBe('24,875.00000000 AITBC');
  });

  it('rounds the BTC half-up to 8 decimals, like the server', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '1000.0005');
    expect(valueOf(app, 'buy-btc-input')).toBe('0.01000001');

    await app.type('buy-aitbc-input', '1000.00049999');
    expect(valueOf(app, 'buy-btc-input')).toBe('0.01');

    await app.type('buy-aitbc-input', '0.0005');
    expect(valueOf(app, 'buy-btc-input')).toBe('0.00000001');
  });

  it('rounds the fee half-up to 8 decimals', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '123.45678901');

    expect(app.textOf('buy-fee')).toBe('0.61728395 AITBC');
    expect(app.textOf('buy-receive')).toBe('122.83950506 AITBC');
  });

  it('explains the minimum purchase and disables Buy', async () => {
    const app = await connectedApp();
    await app.type('buy-btc-input', '0.00009999');

    expect(app.textOf('buy-amount-error')).toBe('The minimum purchase is 0.0001 BTC (10 AITBC).');
    expect(app.byTestId('buy-amount-error').attributes('role')).toBe('alert');
    expect(app.byTestId('buy-btc-input').attributes('aria-invalid')).toBe('true');
    expect(app.byTestId('buy-submit').attributes('disabled')).toBeDefined();
  });

  it('explains the maximum purchase and disables Buy', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '1000001');

    expect(valueOf(app, 'buy-btc-input')).toBe('10.00001');
    expect(app.textOf('buy-amount-error')).toBe('The maximum purchase is 10 BTC (1,000,000 AITBC).');
    expect(app.byTestId('buy-aitbc-input').attributes('aria-invalid')).toBe('true');
    expect(app.byTestId('buy-submit').attributes('disabled')).toBeDefined();
  });

  it('says what is wrong with text that is not an amount', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '12abc');

    expect(app.textOf('buy-amount-error')).toBe(
      'Enter the amount with digits and at most one decimal point, for example 1000 or 0.25.',
    );
    expect(valueOf(app, 'buy-btc-input')).toBe('');
    expect(app.textOf('buy-receive')).toBe('—');

    await app.type('buy-aitbc-input', '1.123456789');
    expect(app.textOf('buy-amount-error')).toBe('Use at most 8 decimal places.');
  });

  it('clears the message once the amount is fixed', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '5');
    expect(app.byTestId('buy-amount-error').exists()).toBe(true);

    await app.type('buy-aitbc-input', '50');

    expect(app.byTestId('buy-amount-error').exists()).toBe(false);
    expect(app.byTestId('buy-submit').attributes('disabled')).toBeUndefined();
  });

  it('opens the payment dialog for the quoted amounts when Buy is clicked', async () => {
    const app = await connectedApp();
    await app.type('buy-aitbc-input', '1000');
    await app.byTestId('buy-submit').trigger('click');

    await vi.waitFor(() => expect(app.byTestId('payment-dialog').exists()).toBe(true));
    expect(app.textOf('payment-btc-amount')).toBe('0.01000000 BTC');
    expect(app.textOf('payment-receive')).toBe('995.00000000 AITBC');
  });
});
