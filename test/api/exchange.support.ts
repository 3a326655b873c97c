import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { api, type ApiResponse } from '../support/http.js';

/** The secret every exchange test server is started with. */
export const WEBHOOK_SECRET = 'exchange-test-webhook-secret-7f3a9c';

export const EXCHANGE_ENV = { WEBHOOK_SECRET };

export const PRODUCTION_ENV = {
  DEMO_MODE: 'false',
  WEBHOOK_SECRET,
  BTC_PAYMENT_ADDRESS: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
};

/** `sha256=<hex HMAC-SHA256 of the raw body>`, computed independently of the server's code. */
export function signature(rawBody: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** A Bitcoin-style transaction id (64 hex digits), unique per call. */
let txCounter = 0;
export function newTxHash(): string {
  txCounter += 1;
  return createHmac('sha256', 'tx').update(`${process.pid}-${Date.now()}-${txCounter}-${Math.random()}`).digest('hex');
}

/** BTC for an AITBC amount at the default rate (100000 AITBC per BTC), half-up, exact. */
export function btcFor(aitbc: string): string {
  const [whole, fraction = ''] = aitbc.split('.');
  const units = BigInt(whole + fraction.padEnd(8, '0'));
  const btcUnits = (units * 2n + 100000n) / 200000n;
  const text = `${btcUnits / 100000000n}.${(btcUnits % 100000000n).toString().padStart(8, '0')}`;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

export function createPayment(url: string, token: string, body: unknown): Promise<ApiResponse> {
  return api(url, 'POST', '/api/exchange/create-payment', { token, body });
}

/** A pending payment for `aitbc` AITBC at the default rate; fails the test if refused. */
export async function buy(url: string, token: string, aitbc: string) {
  const res = await createPayment(url, token, { aitbc_amount: aitbc, btc_amount: btcFor(aitbc) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { payment_id: string; transaction_id: string; required_confirmations: number; [key: string]: any };
}

export interface WebhookOptions {
  /** Sent instead of the JSON of `body` (still signed unless `sign` is given). */
  rawBody?: string;
  /** The X-Webhook-Signature header; null leaves it out. Defaults to a valid signature. */
  sign?: string | null;
}

/** The payment processor's webhook, signed over the exact bytes sent. */
export function webhook(url: string, paymentId: string, body: unknown, opts: WebhookOptions = {}): Promise<ApiResponse> {
  const raw = opts.rawBody ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const header = opts.sign === undefined ? signature(raw) : opts.sign;
  if (header !== null) headers['X-Webhook-Signature'] = header;
  return api(url, 'POST', `/api/exchange/confirm-payment/${paymentId}`, { rawBody: raw, headers });
}

/** Confirms a payment with enough confirmations; fails the test unless 200. */
export async function confirm(url: string, payment: { payment_id: string; required_confirmations: number }, txHash = newTxHash()) {
  const res = await webhook(url, payment.payment_id, { tx_hash: txHash, confirmations: payment.required_confirmations });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export async function balanceExact(url: string, user: { userId: string; token: string }): Promise<string> {
  const res = await api(url, 'GET', `/api/users/${user.userId}/balance`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body.balance_exact as string;
}

export async function history(url: string, user: { userId: string; token: string }, query = '') {
  const res = await api(url, 'GET', `/api/users/${user.userId}/transactions${query}`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body as { total: number; transactions: any[] };
}
