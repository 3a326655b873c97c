import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { runStatement, selectRows } from '../../server/db.js';
import { DB_TIME, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

const TABLES = ['users', 'wallets', 'transactions', 'sessions'];
const SEED_COLUMNS: Record<string, string[]> = {
  users: ['id', 'email', 'username', 'status', 'created_at', 'last_login'],
  wallets: ['id', 'user_id', 'address', 'balance', 'created_at', 'updated_at'],
  transactions: ['id', 'user_id', 'wallet_id', 'type', 'status', 'amount', 'fee', 'created_at', 'confirmed_at'],
};

describe.each(dialects)('database rows written through the API on %s', (dialect) => {
  const suite = useApiServer(dialect);

  /** Every column of every table in the schema, with its declared type. */
  async function columns(): Promise<{ table: string; column: string; type: string }[]> {
    if (dialect === 'mysql') {
      const [rows] = await suite.db.raw(
        'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS y FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()',
      );
      return (rows as { t: string; c: string; y: string }[]).map((r) => ({ table: r.t, column: r.c, type: r.y.toLowerCase() }));
    }
    const tables = (await suite.db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) as { name: string }[];
    const result: { table: string; column: string; type: string }[] = [];
    for (const { name } of tables) {
      const info = (await suite.db.raw(`PRAGMA table_info(\`${name}\`)`)) as { name: string; type: string }[];
      for (const col of info) result.push({ table: name, column: col.name, type: col.type.toLowerCase() });
    }
    return result;
  }

  it('has the tables users, wallets, transactions and sessions', async () => {
    for (const table of TABLES) expect(await suite.db.schema.hasTable(table), table).toBe(true);
  });

  it.each(Object.entries(SEED_COLUMNS))('gives %s at least the seed\'s columns', async (table, expected) => {
    const names = (await columns()).filter((c) => c.table === table).map((c) => c.column);
    expect(names).toEqual(expect.arrayContaining(expected));
  });

  it('has no floating-point column anywhere', async () => {
    const floats = (await columns()).filter((c) => /float|double|real/.test(c.type));
    expect(floats).toEqual([]);
  });

  it('stores amounts as exact decimals', async () => {
    const amountColumns = (await columns()).filter(
      (c) => (c.table === 'wallets' && c.column === 'balance') || (c.table === 'transactions' && ['amount', 'fee'].includes(c.column)),
    );
    expect(amountColumns).toHaveLength(3);
    for (const c of amountColumns) expect(c.type, `${c.table}.${c.column}`).toBe(dialect === 'mysql' ? 'decimal(38,8)' : 'text');
  });

  it('stores a faucet credit of 0.1 + 0.2 as exactly 0.30000000', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 0.1 } });
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 0.2 } });
    const wallet = await suite.db('wallets').where({ user_id: userId }).first('balance');
    expect(String(wallet.balance)).toBe('0.30000000');
    const amounts = await suite.db('transactions').where({ user_id: userId }).orderBy('amount').pluck('amount');
    expect(amounts.map(String)).toEqual(['0.10000000', '0.20000000']);
  });

  it('stores times as UTC text with milliseconds matching the API\'s ISO times', async () => {
    const { login, userId } = await loginNewUser(suite.url);
    const user = await suite.db('users').where({ id: userId }).first('created_at', 'last_login');
    expect(String(user.created_at)).toMatch(DB_TIME);
    expect(String(user.last_login)).toMatch(DB_TIME);
    expect(`${String(user.created_at).replace(' ', 'T')}Z`).toBe(login.created_at);
  });

  it('stores ids as lowercase UUIDs', async () => {
    const { userId, token } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: {} });
    const ids = [
      ...(await suite.db('users').where({ id: userId }).pluck('id')),
      ...(await suite.db('wallets').where({ user_id: userId }).pluck('id')),
      ...(await suite.db('transactions').where({ user_id: userId }).pluck('id')),
      ...(await suite.db('sessions').where({ user_id: userId }).pluck('id')),
    ];
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each([
    ['users.email', 'users', 'email'],
    ['users.username', 'users', 'username'],
    ['wallets.address', 'wallets', 'address'],
    ['sessions.token_hash', 'sessions', 'token_hash'],
  ])('refuses a duplicate %s', async (_label, table, column) => {
    const { userId } = await loginNewUser(suite.url);
    const row = await suite.db(table).where(table === 'users' ? { id: userId } : { user_id: userId }).first();
    const copy = { ...row, id: randomUUID() };
    if (table === 'users') {
      for (const unique of ['email', 'username'].filter((c) => c !== column)) copy[unique] = `${copy[unique]}_copy`;
    }
    if (table === 'wallets') {
      const other = await loginNewUser(suite.url);
      await suite.db('wallets').where({ user_id: other.userId }).delete().catch(() => undefined);
      copy.user_id = other.userId;
    }
    await expect(suite.db(table).insert(copy)).rejects.toThrow();
  });

  it('enforces the wallets → users foreign key', async () => {
    const now = '2026-01-01 00:00:00.000';
    const orphan = { id: randomUUID(), user_id: randomUUID(), address: `aitbc1orphan${Date.now()}`, balance: '0.00000000', created_at: now, updated_at: now };
    await expect(suite.db('wallets').insert(orphan)).rejects.toThrow();
  });

  it('enforces the transactions → wallets foreign key', async () => {
    const { userId } = await loginNewUser(suite.url);
    const now = '2026-01-01 00:00:00.000';
    const orphan = {
      id: randomUUID(), user_id: userId, wallet_id: randomUUID(), type: 'deposit', status: 'completed',
      amount: '1.00000000', fee: '0.00000000', description: null, created_at: now, confirmed_at: now,
    };
    await expect(suite.db('transactions').insert(orphan)).rejects.toThrow();
  });
});

describe.each(dialects)('plain SQL helpers (selectRows, runStatement) on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('run inside the transaction they are given, and roll back with it', async () => {
    const { userId } = await loginNewUser(suite.url);
    await suite.db
      .transaction(async (trx) => {
        expect(await runStatement(trx, 'UPDATE users SET username = ? WHERE id = ?', ['renamed_in_trx', userId])).toBe(1);
        const [row] = await selectRows<{ username: string }>(trx, 'SELECT username FROM users WHERE id = ?', [userId]);
        expect(row.username).toBe('renamed_in_trx');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const [after] = await selectRows<{ username: string }>(suite.db, 'SELECT username FROM users WHERE id = ?', [userId]);
    expect(after.username).not.toBe('renamed_in_trx');
  });

  it('refuse a transaction that has already ended instead of running on a connection back in the pool', async () => {
    const { userId } = await loginNewUser(suite.url);
    let ended: Knex.Transaction | undefined;
    await suite.db.transaction(async (trx) => {
      ended = trx;
    });
    await expect(runStatement(ended!, 'UPDATE users SET username = ? WHERE id = ?', ['after_commit', userId])).rejects.toThrow(/already complete/);
    await expect(selectRows(ended!, 'SELECT 1 AS one', [])).rejects.toThrow(/already complete/);
  });
});
