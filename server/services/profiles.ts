import type { Knex } from 'knex';
import type { MeOutput } from '../../shared/schemas/users.js';
import { User } from '../models/User.js';
import { toIsoTime, toIsoTimeOrNull } from '../time.js';
import type { Authenticated } from './sessions.js';

/** The signed-in user's profile: the session lookup reads only what every request needs, so this reads the rest. */
export async function profileOf(db: Knex, auth: Authenticated): Promise<MeOutput> {
  const user = await User.query(db).findById(auth.user.id).select('email', 'username', 'created_at', 'last_login').throwIfNotFound();
  return {
    user_id: auth.user.id,
    email: user.email,
    username: user.username,
    status: auth.user.status,
    created_at: toIsoTime(user.created_at),
    last_login: toIsoTimeOrNull(user.last_login),
    wallet_address: auth.wallet.address,
  };
}
