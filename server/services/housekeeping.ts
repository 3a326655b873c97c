import type { App } from '../app.js';
import { nowDbTime, toDbTime } from '../time.js';
import { deleteExpiredChallenges } from './challenges.js';
import { deleteEventsOlderThan } from './events.js';
import { expireOverduePayments } from './payments.js';

/** Live events are kept this long for reconnecting clients; history lives in `transactions`. */
const EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Periodic tidying (unref'd, so it never keeps the process alive). Only a convenience:
 * expiry is applied on every read, and expired challenges are refused whether deleted or not.
 */
export function startHousekeeping(app: Pick<App, 'db' | 'log' | 'events'>, everyMs = 60_000): { stop(): Promise<void> } {
  const { db, log, events } = app;
  const tidy = async () => {
    const expired = await expireOverduePayments(db, {}, events);
    const challenges = await deleteExpiredChallenges(db, nowDbTime());
    const oldEvents = await deleteEventsOlderThan(db, toDbTime(new Date(Date.now() - EVENT_RETENTION_MS)));
    if (expired || challenges || oldEvents) log.info({ expired_payments: expired, challenges, old_events: oldEvents }, 'housekeeping');
  };
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= tidy()
      .catch((err: unknown) => log.warn({ err }, 'housekeeping failed'))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
