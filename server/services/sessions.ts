import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { UserStatus } from '../../shared/schemas/users.js';
import { Session } from '../models/Session.js';
import { dbTimeAfterSeconds, nowDbTime } from '../time.js';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedSession {
  id: string;
  token: string;
  expiresAt: string;
}

/** A new session: 256 random bits returned once as base64url; only the SHA-256 is stored. */
export async function issueSession(
  db: Knex,
  userId: string,
  opts: { ttlSeconds: number; userAgent: string | null; ip: string | null },
): Promise<IssuedSession> {
  const token = randomBytes(32).toString('base64url');
  const now = nowDbTime();
  const session = {
    id: randomUUID(),
    user_id: userId,
    token_hash: hashToken(token),
    created_at: now,
    last_used_at: now,
    expires_at: dbTimeAfterSeconds(opts.ttlSeconds),
    revoked_at: null,
    user_agent: opts.userAgent,
    ip: opts.ip,
  };
  await Session.query(db).insert(session);
  return { id: session.id, token, expiresAt: session.expires_at };
}

export interface Authenticated {
  sessionId: string;
  user: { id: string; email: string; username: string; status: UserStatus; created_at: string; last_login: string | null };
  wallet: { id: string; address: string };
}

/** The live session for a token, with its user and wallet, in one query; null if none. */
export async function authenticate(db: Knex, token: string): Promise<Authenticated | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .join('wallets as w', 'w.user_id', 'u.id')
    .where('s.token_hash', hashToken(token))
    .whereNull('s.revoked_at')
    .where('s.expires_at', '>', nowDbTime())
    .first(
      's.id as session_id', 'u.id as user_id', 'u.email', 'u.username', 'u.status', 'u.created_at', 'u.last_login',
      'w.id as wallet_id', 'w.address',
    );
  if (!row) return null;
  return {
    sessionId: row.session_id,
    user: { id: row.user_id, email: row.email, username: row.username, status: row.status, created_at: row.created_at, last_login: row.last_login },
    wallet: { id: row.wallet_id, address: row.address },
  };
}

/** Ends one session; true if it was live. */
export async function revokeSession(db: Knex, sessionId: string): Promise<boolean> {
  const changed = await Session.query(db).patch({ revoked_at: nowDbTime() }).where('id', sessionId).whereNull('revoked_at');
  return changed > 0;
}
