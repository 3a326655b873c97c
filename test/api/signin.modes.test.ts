import { describe, expect, it } from 'vitest';
import { expectRestError, useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api } from '../support/http.js';
import { SIGNIN_ENV, newAitbcWallet, newEthereumWallet, postLogin, signedLogin, signedLoginOk, type TestWallet } from '../support/signin.js';

const families: [string, () => TestWallet][] = [
  ['aitbc', () => newAitbcWallet()],
  ['ethereum', () => newEthereumWallet()],
];

const PRODUCTION_ENV = {
  ...SIGNIN_ENV,
  DEMO_MODE: 'false',
  WEBHOOK_SECRET: 'a-webhook-secret-of-enough-length',
  BTC_PAYMENT_ADDRESS: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
};

function addressOnly(baseUrl: string, address: string) {
  return postLogin(baseUrl, { wallet_address: address });
}

describe.each(dialects)('demo mode claim rule on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...SIGNIN_ENV, DEMO_MODE: 'true' });

  describe.each(families)('with a %s wallet', (_family, newWallet) => {
    it('lets address-only login in for a wallet that never signed', async () => {
      const wallet = newWallet();
      const first = await addressOnly(suite.url, wallet.address);
      const second = await addressOnly(suite.url, wallet.address);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body.user_id).toBe(first.body.user_id);
    });

    it('refuses address-only login with 401 once the wallet completed a signed login', async () => {
      const wallet = newWallet();
      await signedLoginOk(suite.url, wallet);
      const res = await addressOnly(suite.url, wallet.address);
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/sign/i);
    });

    it('refuses address-only login to a claimed wallet in any letter case', async () => {
      const wallet = newWallet();
      await signedLoginOk(suite.url, wallet);
      const upper = wallet.address.startsWith('0x') ? `0x${wallet.address.slice(2).toUpperCase()}` : wallet.address.toUpperCase();
      expectRestError(await addressOnly(suite.url, upper), 401, 'UNAUTHORIZED');
      expectRestError(await addressOnly(suite.url, ` ${wallet.address}\t`), 401, 'UNAUTHORIZED');
    });

    it('lets the key owner claim a wallet first opened address-only, keeping the account', async () => {
      const wallet = newWallet();
      const open = await addressOnly(suite.url, wallet.address);
      const signed = await signedLogin(suite.url, wallet);
      expect(signed.status).toBe(200);
      expect(signed.body).toMatchObject({ user_id: open.body.user_id, is_new_user: false });
      expectRestError(await addressOnly(suite.url, wallet.address), 401, 'UNAUTHORIZED');
    });

    it('ends the address-only sessions when the key owner first proves the key', async () => {
      const wallet = newWallet();
      const squatter = await addressOnly(suite.url, wallet.address);
      expect(squatter.status).toBe(200);
      const owner = await signedLoginOk(suite.url, wallet);
      expect((await api(suite.url, 'GET', '/api/users/me', { token: squatter.body.session_token })).status).toBe(401);
      expect((await api(suite.url, 'GET', '/api/users/me', { token: owner.token })).status).toBe(200);
    });

    it('keeps signed sessions alive on later signed logins', async () => {
      const wallet = newWallet();
      const first = await signedLoginOk(suite.url, wallet);
      await signedLoginOk(suite.url, wallet);
      expect((await api(suite.url, 'GET', '/api/users/me', { token: first.token })).status).toBe(200);
    });
  });
});

describe.each(dialects)('production mode (DEMO_MODE=false) on %s', (dialect) => {
  const suite = useApiServer(dialect, PRODUCTION_ENV);

  describe.each(families)('with a %s wallet', (_family, newWallet) => {
    it('refuses address-only login of a new wallet with 401 and creates nothing', async () => {
      const wallet = newWallet();
      const res = await addressOnly(suite.url, wallet.address);
      expectRestError(res, 401, 'UNAUTHORIZED');
      expect(res.body.message).toMatch(/sign/i);
      expect(await suite.db('wallets').where({ address: wallet.address }).first()).toBeUndefined();
    });

    it('logs in with a signed challenge', async () => {
      const wallet = newWallet();
      const res = await signedLogin(suite.url, wallet);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ wallet_address: wallet.address, is_new_user: true });
    });

    it('refuses address-only login of a wallet that exists', async () => {
      const wallet = newWallet();
      await signedLoginOk(suite.url, wallet);
      expectRestError(await addressOnly(suite.url, wallet.address), 401, 'UNAUTHORIZED');
    });
  });

  it('refuses address-only login over tRPC too', async () => {
    const res = await api(suite.url, 'POST', '/trpc/users.login', { body: { wallet_address: newAitbcWallet().address } });
    expect(res.status).toBe(401);
  });
});

describe.each(dialects)('demo mode claim races on %s', (dialect) => {
  const suite = useApiServer(dialect, { ...SIGNIN_ENV, DEMO_MODE: 'true' });

  it('leaves no address-only session alive when address-only logins race the first signed login', async () => {
    for (let round = 0; round < 5; round++) {
      const wallet = newAitbcWallet();
      await addressOnly(suite.url, wallet.address);
      const [owner, ...squatters] = await Promise.all([
        signedLogin(suite.url, wallet),
        ...Array.from({ length: 8 }, () => addressOnly(suite.url, wallet.address)),
      ]);
      expect(owner.status).toBe(200);
      const live = await Promise.all(
        squatters.filter((s) => s.status === 200).map((s) => api(suite.url, 'GET', '/api/users/me', { token: s.body.session_token })),
      );
      expect(live.map((r) => r.status).filter((status) => status === 200)).toEqual([]);
      expect((await api(suite.url, 'GET', '/api/users/me', { token: owner.body.session_token })).status).toBe(200);
    }
  });
});

describe.each(dialects)('signed login of a suspended or inactive account on %s', (dialect) => {
  const suite = useApiServer(dialect, SIGNIN_ENV);

  it.each(['suspended', 'inactive'])('refuses a %s account with 403 despite a valid signature, issuing no session', async (status) => {
    const wallet = newEthereumWallet();
    const { userId } = await signedLoginOk(suite.url, wallet);
    await suite.db('users').where({ id: userId }).update({ status });
    const before = await suite.db('sessions').where({ user_id: userId }).count({ n: '*' }).first();
    const res = await signedLogin(suite.url, wallet);
    expectRestError(res, 403, 'FORBIDDEN');
    const after = await suite.db('sessions').where({ user_id: userId }).count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
  });
});
