import { describe, expect, it } from 'vitest';
import {
  BASE64URL_256_BITS,
  ISO_MS_Z,
  UUID_LOWER,
  expectValidationError,
  sha256Hex,
  useApiServer,
} from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser, newWalletAddress } from '../support/http.js';

const LOGIN_FIELDS = ['created_at', 'email', 'expires_at', 'is_new_user', 'session_token', 'user_id', 'username', 'wallet_address'];

/** An address whose last 8 characters are `tail`, unique in the rest. */
function addressEndingWith(tail: string): string {
  return `${newWalletAddress()}x${tail}`;
}

describe.each(dialects)('POST /api/users/login on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('returns exactly the contract fields with their types', async () => {
    const address = newWalletAddress();
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(LOGIN_FIELDS);
    expect(res.body).toMatchObject({
      user_id: expect.any(String),
      email: expect.any(String),
      username: expect.any(String),
      created_at: expect.any(String),
      session_token: expect.any(String),
      expires_at: expect.any(String),
      wallet_address: address,
      is_new_user: true,
    });
  });

  it('returns a lowercase UUID as user_id', async () => {
    const { login } = await loginNewUser(suite.url);
    expect(login.user_id).toMatch(UUID_LOWER);
  });

  it('returns created_at and expires_at as ISO 8601 UTC with milliseconds and Z', async () => {
    const { login } = await loginNewUser(suite.url);
    expect(login.created_at).toMatch(ISO_MS_Z);
    expect(login.expires_at).toMatch(ISO_MS_Z);
  });

  it('sets expires_at 24 hours ahead by default', async () => {
    const before = Date.now();
    const { login } = await loginNewUser(suite.url);
    const expiresAt = Date.parse(login.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1000);
  });

  it('sets created_at to the moment the account was registered', async () => {
    const before = Date.now();
    const { login } = await loginNewUser(suite.url);
    const createdAt = Date.parse(login.created_at);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('reports is_new_user true on the first login and false afterwards, for the same user', async () => {
    const address = newWalletAddress();
    const first = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    const second = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(first.body.is_new_user).toBe(true);
    expect(second.status).toBe(200);
    expect(second.body.is_new_user).toBe(false);
    expect(second.body.user_id).toBe(first.body.user_id);
    expect(second.body.created_at).toBe(first.body.created_at);
  });

  it('ignores white space around the address and its case, logging into the same account', async () => {
    const address = newWalletAddress();
    const first = await loginNewUser(suite.url, address);
    const shouted = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: `  \t${address.toUpperCase()}\n ` } });
    expect(shouted.status).toBe(200);
    expect(shouted.body.user_id).toBe(first.userId);
    expect(shouted.body.wallet_address).toBe(address);
    expect(shouted.body.is_new_user).toBe(false);
  });

  it('stores an upper-case address in lowercase', async () => {
    const address = newWalletAddress();
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address.toUpperCase() } });
    expect(res.status).toBe(200);
    expect(res.body.wallet_address).toBe(address);
    const rows = await suite.db('wallets').where({ user_id: res.body.user_id }).select('address');
    expect(rows).toEqual([{ address }]);
  });

  it('accepts a 0x Ethereum address and normalises it to lowercase', async () => {
    const hex = [...Array(40)].map(() => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
    const mixed = `0x${hex.toUpperCase()}`;
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: mixed } });
    expect(res.status).toBe(200);
    expect(res.body.wallet_address).toBe(`0x${hex}`);
    expect(res.body.username).toBe(`user_${hex.slice(-8)}`);
  });

  it('accepts aitbc1 followed by 6 characters, the shortest valid address', async () => {
    const tail = Math.random().toString(36).slice(2, 8).padEnd(6, '0');
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: `aitbc1${tail}` } });
    expect(res.status).toBe(200);
  });

  it('accepts aitbc1 followed by 84 characters, the longest valid address', async () => {
    const address = `aitbc1${newWalletAddress().slice(6).padEnd(84, '_').slice(0, 84)}`;
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: address } });
    expect(res.status).toBe(200);
    expect(res.body.wallet_address).toBe(address);
  });

  it.each([
    ['an empty string', ''],
    ['only white space', '   '],
    ['a non-address word', 'abc'],
    ['aitbc1 with 5 characters', 'aitbc1abcde'],
    ['aitbc1 with 85 characters', `aitbc1${'a'.repeat(85)}`],
    ['a character outside [a-z0-9_-]', 'aitbc1abc.def'],
    ['an inner space', 'aitbc1abc def'],
    ['the wrong prefix', 'aitbc2abcdefgh'],
    ['a bitcoin address', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
    ['0x with 39 hex digits', `0x${'a'.repeat(39)}`],
    ['0x with 41 hex digits', `0x${'a'.repeat(41)}`],
    ['0x with a non-hex digit', `0x${'g'.repeat(40)}`],
    ['a number', 12345678],
    ['null', null],
    ['an object', { address: 'aitbc1abcdefgh' }],
  ])('rejects %s with 400 BAD_REQUEST and field issues', async (_label, walletAddress) => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: walletAddress } });
    expectValidationError(res, 'wallet_address');
  });

  it('rejects a body without wallet_address with 400 and field issues', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: {} });
    expectValidationError(res, 'wallet_address');
  });

  it('creates no user when the address is rejected', async () => {
    const before = await suite.db('users').count({ n: '*' }).first();
    await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: 'aitbc1!!' } });
    const after = await suite.db('users').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
  });

  it('names the user user_ plus the last 8 characters of the address', async () => {
    const address = addressEndingWith(Math.random().toString(36).slice(2, 10).padEnd(8, 'q'));
    const { login } = await loginNewUser(suite.url, address);
    expect(login.username).toBe(`user_${address.slice(-8)}`);
  });

  it('gives the user the email <username>@aitbc.local', async () => {
    const { login } = await loginNewUser(suite.url);
    expect(login.email).toBe(`${login.username}@aitbc.local`);
  });

  it('adds a suffix to the username when another wallet already has it', async () => {
    const tail = `t${Math.random().toString(36).slice(2, 9).padEnd(7, 'z')}`;
    const first = await loginNewUser(suite.url, addressEndingWith(tail));
    const second = await loginNewUser(suite.url, addressEndingWith(tail));
    expect(first.login.username).toBe(`user_${tail}`);
    expect(second.userId).not.toBe(first.userId);
    expect(second.login.username).not.toBe(first.login.username);
    expect(second.login.username.startsWith(`user_${tail}`)).toBe(true);
    expect(second.login.username.length).toBeLessThanOrEqual(`user_${tail}`.length + 8);
    expect(second.login.email).toBe(`${second.login.username}@aitbc.local`);
  });

  it('creates one user row and one wallet row with a zero balance for a new wallet', async () => {
    const { userId, address } = await loginNewUser(suite.url);
    const users = await suite.db('users').where({ id: userId }).select('id', 'status');
    const wallets = await suite.db('wallets').where({ user_id: userId }).select('address', 'balance');
    expect(users).toEqual([{ id: userId, status: 'active' }]);
    expect(wallets).toHaveLength(1);
    expect(wallets[0].address).toBe(address);
    expect(String(wallets[0].balance)).toBe('0.00000000');
  });

  it('issues a 43-character base64url session token (256 bits)', async () => {
    const { token } = await loginNewUser(suite.url);
    expect(token).toMatch(BASE64URL_256_BITS);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('issues a different token on every login', async () => {
    const address = newWalletAddress();
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) tokens.add((await loginNewUser(suite.url, address)).token);
    expect(tokens.size).toBe(5);
  });

  it('stores only the SHA-256 hex of the token in the sessions table', async () => {
    const { token, userId } = await loginNewUser(suite.url);
    const rows = await suite.db('sessions').where({ user_id: userId });
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(sha256Hex(token));
    for (const value of Object.values(rows[0])) {
      expect(String(value)).not.toContain(token);
    }
  });

  it('stores the session with the expiry the response announced', async () => {
    const { userId, login } = await loginNewUser(suite.url);
    const row = await suite.db('sessions').where({ user_id: userId }).first('expires_at');
    expect(`${String(row.expires_at).replace(' ', 'T')}Z`).toBe(login.expires_at);
  });

  it('records the login time as last_login', async () => {
    const { token } = await loginNewUser(suite.url);
    const me = await api(suite.url, 'GET', '/api/users/me', { token });
    expect(me.body.last_login).toMatch(ISO_MS_Z);
    expect(Math.abs(Date.parse(me.body.last_login) - Date.now())).toBeLessThan(5000);
  });

  it('works over tRPC too, with the same fields', async () => {
    const address = newWalletAddress();
    const res = await api(suite.url, 'POST', '/trpc/users.login', { body: { wallet_address: address } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.result.data).sort()).toEqual(LOGIN_FIELDS);
    expect(res.body.result.data.wallet_address).toBe(address);
  });

  it('marks the login response, which carries the session token, as not cacheable', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: newWalletAddress() } });
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });
});

describe.each(dialects)('addresses outside ASCII on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('refuses a letter that only lowercases to ASCII (the Kelvin sign)', async () => {
    const res = await api(suite.url, 'POST', '/api/users/login', { body: { wallet_address: 'aitbc1abcdef\u212A' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });
});
