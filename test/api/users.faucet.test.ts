import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIL_USER_ID, expectRestError, expectValidationError, trpcErrorCode, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';
import { startTestServer, type RunningServer } from '../support/server.js';

const PRODUCTION_ENV = {
  DEMO_MODE: 'false',
  WEBHOOK_SECRET: 'x'.repeat(32),
  BTC_PAYMENT_ADDRESS: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
};

describe.each(dialects)('POST /api/users/{user_id}/faucet on %s', (dialect) => {
  const suite = useApiServer(dialect);
  const faucet = (userId: string, token: string, body?: unknown) =>
    api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body });
  const balanceOf = async (userId: string, token: string) =>
    (await api(suite.url, 'GET', `/api/users/${userId}/balance`, { token })).body;

  it('credits 1000 AITBC by default and returns the balance shape', async () => {
    const { token, userId, address } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: userId, address, balance: 1000, balance_exact: '1000.00000000' });
    expect(Object.keys(res.body).sort()).toEqual(['address', 'balance', 'balance_exact', 'updated_at', 'user_id']);
  });

  it('credits 1000 AITBC by default when the body is empty', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token);
    expect(res.status).toBe(200);
    expect(res.body.balance_exact).toBe('1000.00000000');
  });

  it('records a completed deposit described as a demo faucet', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await faucet(userId, token, { amount: 7 });
    const history = await api(suite.url, 'GET', `/api/users/${userId}/transactions`, { token });
    expect(history.body.total).toBe(1);
    expect(history.body.transactions[0]).toMatchObject({
      type: 'deposit',
      status: 'completed',
      amount: 7,
      amount_exact: '7.00000000',
      fee_exact: '0.00000000',
      description: expect.stringMatching(/faucet/i),
    });
  });

  it('accepts the amount as a JSON number', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount: 12.5 });
    expect(res.body.balance_exact).toBe('12.50000000');
  });

  it('accepts the amount as a decimal string', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount: '12.34567891' });
    expect(res.body.balance_exact).toBe('12.34567891');
  });

  it('accepts the smallest unit, 0.00000001', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount: '0.00000001' });
    expect(res.status).toBe(200);
    expect(res.body.balance_exact).toBe('0.00000001');
  });

  it('accepts 10000, the most one call may give', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount: 10000 });
    expect(res.status).toBe(200);
    expect(res.body.balance_exact).toBe('10000.00000000');
  });

  it.each([
    ['10000.00000001', '10000.00000001'],
    ['10001 as a number', 10001],
    ['1e21 as a number', 1e21],
    ['a 30-digit string', '123456789012345678901234567890'],
  ])('rejects %s, more than 10000, with 400', async (_label, amount) => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount });
    expectRestError(res, 400, 'BAD_REQUEST');
  });

  it.each([
    ['9 decimals as a number', 1.123456789],
    ['9 decimals as a string', '1.123456789'],
    ['a negative number', -1],
    ['a negative string', '-5'],
    ['zero', 0],
    ['zero as a string', '0'],
    ['zero with 8 decimals', '0.00000000'],
    ['an exponent string', '1e3'],
    ['a word', 'abc'],
    ['"NaN"', 'NaN'],
    ['"Infinity"', 'Infinity'],
    ['"-Infinity"', '-Infinity'],
    ['an empty string', ''],
    ['a padded string', ' 1'],
    ['a comma decimal', '1,5'],
    ['a hex string', '0x10'],
    ['a trailing dot', '1.'],
    ['a leading plus', '+1'],
    ['null', null],
    ['a boolean', true],
    ['an array', [1]],
    ['an object', { value: 1 }],
  ])('rejects %s as amount with 400 and field issues', async (_label, amount) => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await faucet(userId, token, { amount });
    expectValidationError(res, 'amount');
  });

  it('rejects a bare NaN in the JSON body with 400', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, {
      token,
      rawBody: '{"amount": NaN}',
      headers: { 'Content-Type': 'application/json' },
    });
    expectRestError(res, 400, 'BAD_REQUEST');
  });

  it('leaves the balance and history untouched when the amount is rejected', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await faucet(userId, token, { amount: '-1' });
    await faucet(userId, token, { amount: '10000.1' });
    expect((await balanceOf(userId, token)).balance_exact).toBe('0.00000000');
    const history = await api(suite.url, 'GET', `/api/users/${userId}/transactions`, { token });
    expect(history.body.total).toBe(0);
  });

  it('adds 0.1 and 0.2 to exactly 0.3', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await faucet(userId, token, { amount: 0.1 });
    await faucet(userId, token, { amount: 0.2 });
    const balance = await balanceOf(userId, token);
    expect(balance.balance_exact).toBe('0.30000000');
    expect(balance.balance).toBe(0.3);
  });

  it('keeps a balance above 2^53 base units exact', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await suite.db('wallets').where({ user_id: userId }).update({ balance: '123456789012.12345678' });
    const res = await faucet(userId, token, { amount: '0.00000001' });
    expect(res.body.balance_exact).toBe('123456789012.12345679');
    expect(res.body.balance).toBe(123456789012.12345679);
    const stored = await suite.db('wallets').where({ user_id: userId }).first('balance');
    expect(String(stored.balance)).toBe('123456789012.12345679');
  });

  it('reads back a balance far above 2^53 base units digit for digit', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    await suite.db('wallets').where({ user_id: userId }).update({ balance: '987654321098765432109.87654321' });
    const balance = await balanceOf(userId, token);
    expect(balance.balance_exact).toBe('987654321098765432109.87654321');
  });

  it('refuses to credit another user\'s wallet with 403', async () => {
    const alice = await loginNewUser(suite.url);
    const bob = await loginNewUser(suite.url);
    const res = await faucet(bob.userId, alice.token, { amount: 5 });
    expectRestError(res, 403, 'FORBIDDEN');
    expect((await balanceOf(bob.userId, bob.token)).balance_exact).toBe('0.00000000');
    expect((await balanceOf(alice.userId, alice.token)).balance_exact).toBe('0.00000000');
  });

  it('refuses a user_id that does not exist with 403', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await faucet(NIL_USER_ID, token, { amount: 5 });
    expectRestError(res, 403, 'FORBIDDEN');
  });

  it('rejects a malformed user_id with 400', async () => {
    const { token } = await loginNewUser(suite.url);
    const res = await faucet('nobody', token, { amount: 5 });
    expectValidationError(res, 'user_id');
  });

  it('answers 401 without a token', async () => {
    const { userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { body: {} });
    expectRestError(res, 401, 'UNAUTHORIZED');
  });

  it('credits over tRPC with an amount string', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const res = await api(suite.url, 'POST', '/trpc/users.faucet', { token, body: { user_id: userId, amount: '2.5' } });
    expect(res.status).toBe(200);
    expect(res.body.result.data.balance_exact).toBe('2.50000000');
  });

  describe('outside demo mode', () => {
    let production: RunningServer;
    beforeAll(async () => {
      production = await startTestServer(suite.database.url, PRODUCTION_ENV);
    });
    afterAll(async () => {
      await production?.stop();
    });

    it('refuses the faucet with 403, even to a valid session', async () => {
      // Address-only login is a demo feature, so the session comes from the demo server on the same database.
      const { token, userId } = await loginNewUser(suite.url);
      const res = await api(production.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 5 } });
      expectRestError(res, 403, 'FORBIDDEN');
    });

    it('credits nothing and records nothing when refusing the faucet', async () => {
      const { token, userId } = await loginNewUser(suite.url);
      await api(production.url, 'POST', `/api/users/${userId}/faucet`, { token, body: {} });
      const balance = await api(production.url, 'GET', `/api/users/${userId}/balance`, { token });
      expect(balance.status).toBe(200);
      expect(balance.body.balance_exact).toBe('0.00000000');
      const recorded = await suite.db('transactions').where({ user_id: userId }).count({ n: '*' }).first();
      expect(Number(recorded!.n)).toBe(0);
    });

    it('refuses the faucet over tRPC with FORBIDDEN', async () => {
      const { token, userId } = await loginNewUser(suite.url);
      const res = await api(production.url, 'POST', '/trpc/users.faucet', { token, body: { user_id: userId } });
      expect(res.status).toBe(403);
      expect(trpcErrorCode(res.body)).toBe('FORBIDDEN');
    });

    it('refuses an address-only login with 401', async () => {
      const res = await api(production.url, 'POST', '/api/users/login', { body: { wallet_address: 'aitbc1nosignature' } });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });
  });
});
