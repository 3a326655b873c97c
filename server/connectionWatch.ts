/**
 * Watches MySQL connections (knex's and the statement pool's): a statement left without an answer
 * for STATEMENT_TIMEOUT_MS gets its connection's socket cut. mysql2 then fails the statement
 * (PROTOCOL_CONNECTION_LOST, answered as 503) and the pool drops the connection. Without it, a
 * database that silently stops answering (a network black hole, no reset) holds pooled
 * connections for good, requests keep failing after it is reachable again, and closing the
 * pools waits forever.
 */

/** As the request deadline (trpc.ts): by then the caller has had its 503. */
const STATEMENT_TIMEOUT_MS = 7000;
const SWEEP_MS = 1000;

/** The parts of a mysql2 connection watched. */
interface WatchedConnection {
  query(...args: unknown[]): unknown;
  execute(...args: unknown[]): unknown;
  once(event: 'end' | 'error', listener: () => void): unknown;
  stream?: { destroy(): void };
}

interface RunningStatement {
  connection: WatchedConnection;
  startedAt: number;
}

/** Statements sent and not answered yet, checked by one sweep timer while there are any. */
const running = new Set<RunningStatement>();
let sweep: NodeJS.Timeout | null = null;

/**
 * Cuts the socket only: mysql2 then tells every pending command and the pool. (Its destroy()
 * ends the socket politely, which a silent peer never completes, and tells no pending command.)
 */
function cut(connection: WatchedConnection): void {
  connection.stream?.destroy();
}

function cutStuckConnections(): void {
  const now = Date.now();
  for (const statement of running) {
    if (now - statement.startedAt < STATEMENT_TIMEOUT_MS) continue;
    running.delete(statement);
    cut(statement.connection);
  }
  if (running.size === 0 && sweep) {
    clearInterval(sweep);
    sweep = null;
  }
}

/** Wraps a callback-style query/execute so that the statement is watched until its callback runs. */
function watched(connection: WatchedConnection, send: (...args: unknown[]) => unknown) {
  return (...args: unknown[]) => {
    // mysql2 takes the callback last; commands without one (streams, fire-and-forget) are not watched.
    const callbackAt = args.length - 1;
    if (typeof args[callbackAt] !== 'function') return send(...args);
    const statement: RunningStatement = { connection, startedAt: Date.now() };
    const callback = args[callbackAt] as (...results: unknown[]) => void;
    args[callbackAt] = (...results: unknown[]) => {
      running.delete(statement);
      callback(...results);
    };
    running.add(statement);
    sweep ??= setInterval(cutStuckConnections, SWEEP_MS).unref();
    return send(...args);
  };
}

/** One pool's connections: watched while open, and cut at once by cutAll() when closing has waited long enough. */
export class ConnectionWatch {
  private readonly open = new Set<WatchedConnection>();

  add(connection: WatchedConnection): void {
    connection.query = watched(connection, connection.query.bind(connection));
    connection.execute = watched(connection, connection.execute.bind(connection));
    this.open.add(connection);
    const forget = () => this.open.delete(connection);
    connection.once('end', forget);
    connection.once('error', forget);
  }

  /** Cuts every connection still open: for closing, after each had its chance to say goodbye. */
  cutAll(): void {
    for (const connection of this.open) cut(connection);
    this.open.clear();
  }
}
