import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { loginNewUser } from '../support/http.js';
import { spawnServer as spawnServerProcess, type ServerProcess } from '../support/process.js';
import { WEBHOOK_SECRET, buy, newTxHash, webhook } from './exchange.support.js';

const UNIT = 10n ** 8n;
const units = (value: string | number) => {
  const [whole, fraction = ''] = String(value).split('.');
  return BigInt(whole) * UNIT + BigInt(fraction.padEnd(8, '0'));
};

/** The real server as `npm start` runs it (minus the client build), in its own process. */
function spawnServer(databaseUrl: string): Promise<ServerProcess> {
  return spawnServerProcess({ DATABASE_URL: databaseUrl, WEBHOOK_SECRET, DEMO_MODE: 'true' });
}

interface Purchase {
  userId: string;
  paymentId: string;
  transactionId: string;
  requiredConfirmations: number;
  txHash: string;
}

/**
 * What must hold after any crash: each payment is either fully confirmed (payment confirmed,
 * purchase completed with its fee and confirmed_at, balance includes it) or untouched (payment
 * and purchase pending, nothing credited) — and each wallet holds exactly the sum of its
 * completed purchases' amount − fee.
 */
async function expectAllOrNothing(db: Knex, purchases: Purchase[]): Promise<Set<string>> {
  const payments = await db('payments').whereIn('id', purchases.map((p) => p.paymentId));
  const transactions = await db('transactions').whereIn('id', purchases.map((p) => p.transactionId));
  const txById = new Map(transactions.map((t) => [t.id, t]));
  const confirmed = new Set<string>();
  for (const payment of payments) {
    const tx = txById.get(payment.transaction_id);
    if (payment.status === 'confirmed') {
      confirmed.add(payment.id);
      expect(tx).toMatchObject({ status: 'completed', type: 'purchase' });
      expect(units(tx.fee)).toBe(units(payment.fee_amount));
      expect(tx.confirmed_at).not.toBeNull();
      expect(payment.confirmed_at).not.toBeNull();
    } else {
      expect(payment.status).toBe('pending');
      expect(tx).toMatchObject({ status: 'pending', confirmed_at: null });
      expect(units(tx.fee)).toBe(0n);
    }
  }
  expect(payments).toHaveLength(purchases.length);
  const completed = transactions.filter((t) => t.status === 'completed');
  expect(completed).toHaveLength(confirmed.size);

  for (const userId of new Set(purchases.map((p) => p.userId))) {
    const wallet = await db('wallets').where('user_id', userId).first();
    const credited = completed
      .filter((t) => t.user_id === userId)
      .reduce((sum, t) => sum + units(t.amount) - units(t.fee), 0n);
    expect(units(wallet.balance)).toBe(credited);
  }
  const allCompleted = await db('transactions').where({ type: 'purchase', status: 'completed' }).count({ n: '*' }).first();
  expect(Number(allCompleted!.n)).toBe(confirmed.size);
  return confirmed;
}

/** Sends every purchase's webhook (twice each), `parallel` at a time; SIGKILLs the server after `killAfter` replies. */
async function fireAndKill(server: ServerProcess, purchases: Purchase[], opts: { parallel: number; killAfter: number }) {
  const queue = purchases.flatMap((p) => [p, p]);
  const acknowledged = new Set<string>();
  let replies = 0;
  let killed = false;
  const worker = async () => {
    while (!killed && queue.length) {
      const p = queue.shift()!;
      try {
        const res = await webhook(server.url, p.paymentId, { tx_hash: p.txHash, confirmations: p.requiredConfirmations });
        if (res.status === 200 && res.body.status === 'confirmed') acknowledged.add(p.paymentId);
        else if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
      } catch (err) {
        if (!killed) throw err;
      }
      replies += 1;
      if (replies >= opts.killAfter && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: opts.parallel }, worker));
  await server.exited;
  return acknowledged;
}

describe.each(dialects)('SIGKILL while webhooks are processed on %s', (dialect) => {
  let database: TestDatabase;
  let db: Knex;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await db?.destroy();
    await database?.drop();
  });

  it('leaves every payment fully credited or not at all, and finishes them after a restart', { timeout: 120_000 }, async () => {
    server = await spawnServer(database.url);
    const purchases: Purchase[] = [];
    for (let u = 0; u < 4; u++) {
      const user = await loginNewUser(server.url);
      for (let i = 0; i < 15; i++) {
        const payment = await buy(server.url, user.token, `${10 + u * 100 + i}.${String(12345678 + i * 1111111 + u).slice(-8)}`);
        purchases.push({
          userId: user.userId,
          paymentId: payment.payment_id,
          transactionId: payment.transaction_id,
          requiredConfirmations: payment.required_confirmations,
          txHash: newTxHash(),
        });
      }
    }
    db = createDb(database.url);

    // Two crashes in a row, each in the middle of a stream of webhooks.
    const everAcknowledged = new Set<string>();
    for (const killAfter of [25, 40]) {
      const acknowledged = await fireAndKill(server, purchases, { parallel: 10, killAfter });
      for (const id of acknowledged) everAcknowledged.add(id);
      server = await spawnServer(database.url);
      const confirmed = await expectAllOrNothing(db, purchases);
      // A confirmation the server acknowledged survives the crash.
      for (const id of everAcknowledged) expect(confirmed.has(id)).toBe(true);
      // The crash really was mid-way: some payments done, some not.
      expect(confirmed.size).toBeGreaterThan(0);
      expect(confirmed.size).toBeLessThan(purchases.length);
    }

    // The processor retries what was lost: everything ends confirmed, each credited once.
    const retries = await Promise.all(
      purchases.map((p) => webhook(server!.url, p.paymentId, { tx_hash: p.txHash, confirmations: p.requiredConfirmations })),
    );
    expect(retries.map((r) => r.status)).toEqual(Array(purchases.length).fill(200));
    const confirmed = await expectAllOrNothing(db, purchases);
    expect(confirmed.size).toBe(purchases.length);
  });
});
