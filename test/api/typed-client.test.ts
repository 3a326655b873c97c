import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
// A typed client needs nothing but what shared/ exports: the router type and the schemas.
import { balanceOutput, loginOutput, meOutput, transactionsOutput, type AppRouter } from '../../shared/index.js';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { newWalletAddress } from '../support/http.js';

function clientFor(url: string, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, headers: () => headers })] });
}

function trpcCode(err: unknown): string | undefined {
  return err instanceof TRPCClientError ? (err.data as { code?: string } | undefined)?.code : undefined;
}

describe.each(dialects)('typed tRPC client built from shared/ on %s', (dialect) => {
  const suite = useApiServer(dialect);

  async function signIn() {
    const address = newWalletAddress();
    const login = await clientFor(suite.url).users.login.mutate({ wallet_address: address });
    return { login, address, client: clientFor(suite.url, { 'X-Session-Token': login.session_token }) };
  }

  it('logs in and gets the login shape the shared schema describes', async () => {
    const address = newWalletAddress();
    const login = await clientFor(suite.url).users.login.mutate({ wallet_address: `  ${address.toUpperCase()} ` });
    expect(loginOutput.parse(login)).toEqual(login);
    expect(login.wallet_address).toBe(address);
    expect(login.is_new_user).toBe(true);
  });

  it('reads me with the session token header', async () => {
    const { login, client } = await signIn();
    const me = await client.users.me.query();
    expect(meOutput.parse(me)).toEqual(me);
    expect(me.user_id).toBe(login.user_id);
    expect(me.status).toBe('active');
  });

  it('reads the balance', async () => {
    const { login, client } = await signIn();
    const balance = await client.users.balance.query({ user_id: login.user_id });
    expect(balanceOutput.parse(balance)).toEqual(balance);
    expect(balance).toMatchObject({ user_id: login.user_id, balance: 0, balance_exact: '0.00000000' });
  });

  it('batches several calls into one request and answers each', async () => {
    const { login, client } = await signIn();
    const [me, balance, history] = await Promise.all([
      client.users.me.query(),
      client.users.balance.query({ user_id: login.user_id }),
      client.users.transactions.query({ user_id: login.user_id, limit: 5 }),
    ]);
    expect(me.user_id).toBe(login.user_id);
    expect(balance.user_id).toBe(login.user_id);
    expect(transactionsOutput.parse(history)).toEqual(history);
  });

  it('uses the faucet with an exact string amount and sees it in the history', async () => {
    const { login, client } = await signIn();
    const balance = await client.users.faucet.mutate({ user_id: login.user_id, amount: '0.1' });
    await client.users.faucet.mutate({ user_id: login.user_id, amount: 0.2 });
    const after = await client.users.balance.query({ user_id: login.user_id });
    const history = await client.users.transactions.query({ user_id: login.user_id });
    expect(balance.balance_exact).toBe('0.10000000');
    expect(after.balance_exact).toBe('0.30000000');
    expect(history.transactions.map((t) => t.amount_exact)).toEqual(['0.20000000', '0.10000000']);
  });

  it('authenticates with Authorization: Bearer as well', async () => {
    const { login } = await signIn();
    const bearer = clientFor(suite.url, { Authorization: `Bearer ${login.session_token}` });
    expect((await bearer.users.me.query()).user_id).toBe(login.user_id);
  });

  it('rejects a call without a token with UNAUTHORIZED', async () => {
    const err = await clientFor(suite.url).users.me.query().catch((e: unknown) => e);
    expect(trpcCode(err)).toBe('UNAUTHORIZED');
  });

  it('rejects another user\'s balance with FORBIDDEN', async () => {
    const alice = await signIn();
    const bob = await signIn();
    const err = await alice.client.users.balance.query({ user_id: bob.login.user_id }).catch((e: unknown) => e);
    expect(trpcCode(err)).toBe('FORBIDDEN');
  });

  it('rejects invalid input with BAD_REQUEST and no stack trace', async () => {
    const err = await clientFor(suite.url).users.login.mutate({ wallet_address: 'nope' }).catch((e: unknown) => e);
    expect(trpcCode(err)).toBe('BAD_REQUEST');
    expect((err as TRPCClientError<AppRouter>).data).not.toHaveProperty('stack');
  });

  it('logs out, after which the token is refused', async () => {
    const { client } = await signIn();
    expect(await client.users.logout.mutate()).toEqual({ message: 'Logged out successfully' });
    const err = await client.users.me.query().catch((e: unknown) => e);
    expect(trpcCode(err)).toBe('UNAUTHORIZED');
  });
});
