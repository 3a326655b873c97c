import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { runStatement, selectRows } from '../db.js';
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

/** Every login reads this, so it is one plain SQL join rather than two model queries. */
const ACCOUNT_BY_ADDRESS_SQL = `
  SELECT w.id AS wallet_id, w.user_id, w.address, w.balance, w.created_at AS wallet_created_at,
         w.updated_at AS wallet_updated_at, w.key_proven_at,
         u.email, u.username, u.status, u.created_at, u.last_login
    FROM wallets w
    JOIN users u ON u.id = w.user_id
   WHERE w.address = ?`;

interface AccountRow {
  wallet_id: string;
  user_id: string;
  address: string;
  balance: string;
  wallet_created_at: string;
  wallet_updated_at: string;
  key_proven_at: string | null;
  email: string;
  username: string;
  status: User['status'];
  created_at: string;
  last_login: string | null;
}

export async function findAccountByAddress(db: Knex, address: string): Promise<Account | null> {
  const [row] = await selectRows<AccountRow>(db, ACCOUNT_BY_ADDRESS_SQL, [address]);
  if (!row) return null;
  const user = User.fromDatabaseJson({
    id: row.user_id,
    email: row.email,
    username: row.username,
    status: row.status,
    created_at: row.created_at,
    last_login: row.last_login,
  });
  const wallet = Wallet.fromDatabaseJson({
    id: row.wallet_id,
    user_id: row.user_id,
    address: row.address,
    balance: row.balance,
    created_at: row.wallet_created_at,
    updated_at: row.wallet_updated_at,
    key_proven_at: row.key_proven_at,
  });
  return { user, wallet, isNew: false };
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

const RECORD_ADDRESS_ONLY_LOGIN_SQL = `
  UPDATE users SET last_login = ?
   WHERE id = ? AND EXISTS (SELECT 1 FROM wallets WHERE id = ? AND key_proven_at IS NULL)`;

/**
 * Stamps last_login for an address-only login, but only while the wallet has still not proven
 * its key; false means a signed login claimed the wallet meanwhile. One statement instead of a
 * re-read followed by the update.
 */
export async function recordAddressOnlyLogin(db: Knex, account: { userId: string; walletId: string }): Promise<boolean> {
  const changed = await runStatement(db, RECORD_ADDRESS_ONLY_LOGIN_SQL, [nowDbTime(), account.userId, account.walletId]);
  return changed === 1;
}
