import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { UserStatus } from '../../shared/schemas/users.js';
import { isMysql, runStatement, selectRows } from '../db.js';
import { Session } from '../models/Session.js';
import { dbTimeAfterSeconds, nowDbTime, toDbTime, toIsoTime } from '../time.js';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per session, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 5 * 60 * 1000;

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

export interface IssuedSession {
  id: string;
  token: string;
  expiresAt: string;
}

/** Every login runs it, so it is a prepared statement rather than built per call. */
const INSERT_SESSION_SQL = `
  INSERT INTO sessions (id, user_id, token_hash, created_at, last_used_at, expires_at, revoked_at, user_agent, ip)
  VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`;

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
    user_agent: opts.userAgent,
    ip: opts.ip,
  };
  await runStatement(db, INSERT_SESSION_SQL, [
    session.id, session.user_id, session.token_hash, session.created_at, session.last_used_at, session.expires_at, session.user_agent, session.ip,
  ]);
  return { id: session.id, token, expiresAt: session.expires_at };
}

export interface Authenticated {
  sessionId: string;
  /** Who is calling; the profile (email, username, times) is read by the one procedure that shows it. */
  user: { id: string; status: UserStatus };
  /** The wallet row as read with the session: a balance request needs no second query. */
  wallet: { id: string; user_id: string; address: string; balance: string; updated_at: string };
}

interface SessionRow {
  session_id: string;
  /** 1 when last_used_at is older than LAST_USED_RESOLUTION_MS (compared in SQL: no time to parse). */
  stale: number;
  user_id: string;
  status: UserStatus;
  wallet_id: string;
  address: string;
  balance: string;
  wallet_updated_at: string;
}

/**
 * Runs on every authenticated request, so it is plain SQL rather than built per call, and reads
 * only what every procedure needs: each column costs the driver a column definition to parse.
 */
const LIVE_SESSION_SQL = `
  SELECT s.id AS session_id, (s.last_used_at < ?) AS stale, u.id AS user_id, u.status,
         w.id AS wallet_id, w.address, w.balance, w.updated_at AS wallet_updated_at
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    JOIN wallets w ON w.user_id = u.id
   WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
   LIMIT 1`;

/** The live session for a token, with its user and wallet, in one query; null if none. */
export async function authenticate(db: Knex, token: string): Promise<Authenticated | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const now = Date.now();
  const [row] = await selectRows<SessionRow>(db, LIVE_SESSION_SQL, [
    toDbTime(new Date(now - LAST_USED_RESOLUTION_MS)),
    hashToken(token),
    toDbTime(new Date(now)),
  ]);
  if (!row) return null;
  if (Number(row.stale) === 1) {
    await Session.query(db).patch({ last_used_at: nowDbTime() }).where('id', row.session_id);
  }
  return {
    sessionId: row.session_id,
    user: { id: row.user_id, status: row.status },
    wallet: { id: row.wallet_id, user_id: row.user_id, address: row.address, balance: row.balance, updated_at: row.wallet_updated_at },
  };
}

/** Ends one session; true if it was live. */
export async function revokeSession(db: Knex, sessionId: string): Promise<boolean> {
  const changed = await Session.query(db).patch({ revoked_at: nowDbTime() }).where('id', sessionId).whereNull('revoked_at');
  return changed > 0;
}

export interface SessionOutput {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

function liveSessionsOf(db: Knex, userId: string) {
  return Session.query(db).where('user_id', userId).whereNull('revoked_at').where('expires_at', '>', nowDbTime());
}

/** The caller's live sessions, newest first; never the token or its hash. */
export async function listSessions(db: Knex, userId: string, currentSessionId: string): Promise<SessionOutput[]> {
  const rows = await liveSessionsOf(db, userId)
    .select('id', 'created_at', 'last_used_at', 'expires_at', 'user_agent', 'ip')
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  return rows.map((row) => ({
    id: row.id,
    created_at: toIsoTime(row.created_at),
    last_used_at: toIsoTime(row.last_used_at),
    expires_at: toIsoTime(row.expires_at),
    user_agent: row.user_agent,
    ip: row.ip,
    current: row.id === currentSessionId,
  }));
}

/** Ends one of the user's own live sessions; false if it is not theirs or not live. */
export async function revokeOwnSession(db: Knex, userId: string, sessionId: string): Promise<boolean> {
  const changed = await liveSessionsOf(db, userId).patch({ revoked_at: nowDbTime() }).where('id', sessionId);
  return changed > 0;
}

/**
 * Ends the user's live sessions created before `time`. Used when a wallet first proves its key:
 * every session opened before then was address-only, which anyone knowing the address could do.
 */
export async function revokeSessionsCreatedBefore(db: Knex, userId: string, time: string): Promise<number> {
  return liveSessionsOf(db, userId).patch({ revoked_at: nowDbTime() }).where('created_at', '<', time);
}

/**
 * Ends every live session of the user except the current one; returns how many ended, or null
 * if the current one itself was ended meanwhile. The user's live sessions are locked first, so
 * two devices calling this at once cannot end each other (the second finds itself ended).
 */
export async function revokeOtherSessions(db: Knex, userId: string, currentSessionId: string): Promise<number | null> {
  return db.transaction(async (trx) => {
    const live = liveSessionsOf(trx, userId).select('id');
    const ids = (await (isMysql(trx) ? live.forUpdate() : live)).map((s) => s.id);
    if (!ids.includes(currentSessionId)) return null;
    return Session.query(trx).patch({ revoked_at: nowDbTime() }).whereIn('id', ids).whereNot('id', currentSessionId);
  });
}
