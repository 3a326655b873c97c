import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isRetryableConflict, isUniqueViolation } from '../dbErrors.js';
import { User } from '../models/User.js';
import { Wallet } from '../models/Wallet.js';
import { nowDbTime } from '../time.js';
import { unitsToDb } from './amounts.js';

export interface Account {
  user: User;
  wallet: Wallet;
  isNew: boolean;
}

export async function findAccountByAddress(db: Knex, address: string): Promise<Account | null> {
  const wallet = await Wallet.query(db).findOne({ address });
  if (!wallet) return null;
  const user = await User.query(db).findById(wallet.user_id);
  return user ? { user, wallet, isNew: false } : null;
}

function usernameFor(address: string, attempt: number): string {
  const base = `user_${address.slice(-8)}`;
  return attempt === 0 ? base : `${base}_${randomBytes(3).toString('hex')}`;
}

async function createAccount(db: Knex, address: string, attempt: number): Promise<Account> {
  return db.transaction(async (trx) => {
    const now = nowDbTime();
    const username = usernameFor(address, attempt);
    const user = await User.query(trx).insertAndFetch({
      id: randomUUID(),
      email: `${username}@aitbc.local`,
      username,
      status: 'active',
      created_at: now,
      last_login: null,
    });
    const wallet = await Wallet.query(trx).insertAndFetch({
      id: randomUUID(),
      user_id: user.id,
      address,
      balance: unitsToDb(0n),
      created_at: now,
      updated_at: now,
    });
    return { user, wallet, isNew: true };
  });
}

/**
 * The account of a wallet, created on first sight (user and wallet in one transaction).
 * Concurrent first logins race on the unique keys: the losers roll back and read the winner's
 * rows; a username taken by another wallet gets a random suffix.
 */
export async function findOrCreateAccount(db: Knex, address: string): Promise<Account> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const existing = await findAccountByAddress(db, address);
    if (existing) return existing;
    try {
      return await createAccount(db, address, attempt);
    } catch (err) {
      if (!isUniqueViolation(err) && !isRetryableConflict(err)) throw err;
    }
  }
  throw new Error(`Could not create an account for ${address} after 8 attempts`);
}

export async function recordLogin(db: Knex, userId: string): Promise<string> {
  const now = nowDbTime();
  await User.query(db).patch({ last_login: now }).where('id', userId);
  return now;
}
