import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

const CHANNEL = 'aitbc:events';

/** A subscriber's doorbell: rung when something it watches may have changed. */
export interface Listener {
  /** Resolves when rung (or at once if rung since the last wait), after `timeoutMs`, or on close. */
  wait(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Wakes live subscriptions after a commit. It carries no data — subscribers read the
 * `ledger_events` table — so a lost ring only delays delivery until the subscriber's next poll,
 * and nothing is buffered per subscriber. With Redis, rings reach every server process.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<() => void>>();
  private subscriber?: Redis;
  private closed = false;

  constructor(private readonly log: Logger, private readonly redis?: Redis) {
    if (!redis) return;
    this.subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis subscriber error'));
    this.subscriber.on('message', (_channel: string, key: string) => this.ringLocal(key));
    this.subscriber.subscribe(CHANNEL).catch((err: unknown) => log.warn({ err }, 'redis subscribe failed'));
  }

  /** Call after the database transaction commits. */
  userChanged(userId: string): void {
    this.ring(`user:${userId}`);
  }

  sessionEnded(sessionId: string): void {
    this.ring(`session:${sessionId}`);
  }

  get listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  private ring(key: string): void {
    this.ringLocal(key);
    this.redis?.publish(CHANNEL, key).catch((err: unknown) => this.log.warn({ err }, 'redis publish failed'));
  }

  private ringLocal(key: string): void {
    for (const wake of this.listeners.get(key) ?? []) wake();
  }

  listen(keys: string[]): Listener {
    let rung = false;
    let resolveWait: (() => void) | null = null;
    const wake = () => {
      rung = true;
      resolveWait?.();
    };
    for (const key of keys) {
      let set = this.listeners.get(key);
      if (!set) this.listeners.set(key, (set = new Set()));
      set.add(wake);
    }
    const hub = this;
    return {
      wait(timeoutMs) {
        if (rung || hub.closed) {
          rung = false;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            resolveWait = null;
            rung = false;
            resolve();
          }
          resolveWait = done;
        });
      },
      close() {
        resolveWait?.();
        for (const key of keys) {
          const set = hub.listeners.get(key);
          set?.delete(wake);
          if (set && set.size === 0) hub.listeners.delete(key);
        }
      },
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Server shutdown: every waiting subscription wakes, sees the hub closed, and ends. */
  close(): void {
    this.closed = true;
    for (const set of this.listeners.values()) for (const wake of set) wake();
    this.subscriber?.disconnect();
  }
}
