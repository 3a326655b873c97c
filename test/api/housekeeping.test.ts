import { describe, expect, it } from 'vitest';
import { startHousekeeping } from '../../server/services/housekeeping.js';
import { useApiServer } from '../support/apiSuite.js';
import { dialects } from '../support/databases.js';
import { api, loginNewUser } from '../support/http.js';

describe.each(dialects)('housekeeping on %s', (dialect) => {
  const suite = useApiServer(dialect);

  it('deletes expired sign-in challenges and day-old live events, and keeps live ones', async () => {
    const { userId, token, address } = await loginNewUser(suite.url);
    await api(suite.url, 'POST', `/api/users/${userId}/faucet`, { token, body: { amount: 1 } });
    const stale = await api(suite.url, 'POST', '/api/users/challenge', { body: { wallet_address: address } });
    const fresh = await api(suite.url, 'POST', '/api/users/challenge', { body: { wallet_address: address } });
    await suite.db('sign_in_challenges').where('nonce', stale.body.nonce).update({ expires_at: '2000-01-01 00:00:00.000' });
    const [oldEvent] = await suite.db('ledger_events').where('user_id', userId).orderBy('id').limit(1).pluck('id');
    await suite.db('ledger_events').where('id', oldEvent).update({ created_at: '2000-01-01 00:00:00.000' });

    const housekeeping = startHousekeeping(suite.server.exchange.app, 50);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await housekeeping.stop();

    expect(await suite.db('sign_in_challenges').where('nonce', stale.body.nonce).first()).toBeUndefined();
    expect(await suite.db('sign_in_challenges').where('nonce', fresh.body.nonce).first()).toBeDefined();
    expect(await suite.db('ledger_events').where('id', oldEvent).first()).toBeUndefined();
    expect(Number((await suite.db('ledger_events').where('user_id', userId).count({ n: '*' }).first())!.n)).toBe(1);
  });
});
