import { TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { BalanceOutput } from '../../shared/schemas/users.js';
import { Wallet } from '../models/Wallet.js';
import type { EventHub } from './eventHub.js';
import { creditWallet } from './ledger.js';
import { toBalanceOutput } from './shapes.js';

export const FAUCET_DEFAULT_UNITS = 1000n * 10n ** 8n;
export const FAUCET_MAX_UNITS = 10000n * 10n ** 8n;

export async function getBalance(db: Knex, walletId: string): Promise<BalanceOutput> {
  const wallet = await Wallet.query(db).findById(walletId).select('user_id', 'address', 'balance', 'updated_at');
  if (!wallet) throw new TRPCError({ code: 'NOT_FOUND', message: 'Wallet not found.' });
  return toBalanceOutput(wallet);
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
