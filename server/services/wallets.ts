import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { BalanceOutput } from '../../shared/schemas/users.js';
import type { EventHub } from './eventHub.js';
import { creditWallet } from './ledger.js';
import type { Authenticated } from './sessions.js';
import { toBalanceOutput } from './shapes.js';

export const FAUCET_DEFAULT_UNITS = 1000n * 10n ** 8n;
export const FAUCET_MAX_UNITS = 10000n * 10n ** 8n;

/** The caller's balance: their wallet row was read with the session, so this takes no query. */
export function balanceOf(auth: Pick<Authenticated, 'wallet'>): BalanceOutput {
  return toBalanceOutput(auth.wallet);
}

/** Demo faucet: a completed deposit through the ledger, like every other credit. */
export async function grantFaucet(
  db: Knex,
  events: EventHub,
  owner: { userId: string; walletId: string },
  units: bigint = FAUCET_DEFAULT_UNITS,
): Promise<BalanceOutput> {
  if (units > FAUCET_MAX_UNITS) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'The faucet gives at most 10000 AITBC per request.' });
  }
  const { wallet } = await db.transaction((trx) =>
    creditWallet(trx, {
      userId: owner.userId,
      walletId: owner.walletId,
      type: 'deposit',
      amount: units,
      fee: 0n,
      description: 'Demo faucet',
    }),
  );
  events.userChanged(owner.userId);
  return toBalanceOutput(wallet);
}
