import { tracked, TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import type { EventHub } from './eventHub.js';
import { latestEventId, readEventsAfter } from './events.js';
import { authenticate } from './sessions.js';

const BATCH = 100;
/** Even without a ring, a subscriber re-reads (and re-checks its session) this often. */
const POLL_MS = 5_000;

function parseEventId(lastEventId: string | null | undefined): number | null {
  if (lastEventId === null || lastEventId === undefined || lastEventId === '') return null;
  if (!/^\d{1,15}$/.test(lastEventId)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'lastEventId must be an event id this server sent.' });
  }
  return Number(lastEventId);
}

/**
 * The owner's balance and transaction events, from the database: first everything after
 * `lastEventId` (a reconnect misses nothing), then each new event as its commit rings the hub.
 * Ends as soon as the session is logged out, revoked or expired, or the server shuts down.
 */
export async function* streamUserEvents(
  db: Knex,
  hub: EventHub,
  opts: { token: string; sessionId: string; userId: string; lastEventId?: string | null; signal?: AbortSignal },
) {
  let cursor = parseEventId(opts.lastEventId) ?? (await latestEventId(db, opts.userId));
  const listener = hub.listen([`user:${opts.userId}`, `session:${opts.sessionId}`]);
  const onAbort = () => listener.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!opts.signal?.aborted && !hub.isClosed) {
      const batch = await readEventsAfter(db, opts.userId, cursor, BATCH);
      for (const { id, event } of batch) {
        cursor = Number(id);
        yield tracked(id, event);
      }
      if (batch.length === BATCH) continue;
      await listener.wait(POLL_MS);
      if (opts.signal?.aborted || hub.isClosed) return;
      const session = await authenticate(db, opts.token);
      if (!session || session.sessionId !== opts.sessionId || session.user.status !== 'active') return;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    listener.close();
  }
}
