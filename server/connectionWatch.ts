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

type Callback = (err: unknown, rows?: unknown, fields?: unknown) => void;
type Send = (this: WatchedConnection, a: unknown, b?: unknown, c?: unknown) => unknown;

/** The parts of a mysql2 connection watched. */
interface WatchedConnection {
  query: Send;
  execute: Send;
  on(event: 'end' | 'error', listener: () => void): unknown;
  stream?: { destroy(): void };
}

interface Watched {
  connection: WatchedConnection;
  /** When the statement now running was sent; 0 while idle (a borrowed connection runs one at a time). */
  busySince: number;
}

/** Every watched connection of the process, checked by one sweep timer while there are any. */
const watchedConnections = new Set<Watched>();
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
  for (const watched of watchedConnections) {
    if (watched.busySince !== 0 && now - watched.busySince >= STATEMENT_TIMEOUT_MS) {
      watched.busySince = 0;
      cut(watched.connection);
    }
  }
  if (watchedConnections.size === 0 && sweep) {
    clearInterval(sweep);
    sweep = null;
  }
}

function answered(watched: Watched, callback: Callback): Callback {
  return (err, rows, fields) => {
    watched.busySince = 0;
    callback(err, rows, fields);
  };
}

/** query/execute with the statement watched until its callback runs (mysql2 takes the callback last; without one it is not watched). */
function watchedSend(watched: Watched, send: Send): Send {
  return function (a, b, c) {
    if (typeof c === 'function') {
      watched.busySince = Date.now();
      return send.call(watched.connection, a, b, answered(watched, c as Callback));
    }
    if (typeof b === 'function') {
      watched.busySince = Date.now();
      return send.call(watched.connection, a, answered(watched, b as Callback));
    }
    return send.call(watched.connection, a, b, c);
  };
}

/** One pool's connections: watched while open, and cut at once by cutAll() when closing has waited long enough. */
export class ConnectionWatch {
  private readonly open = new Set<Watched>();

  add(connection: WatchedConnection): void {
    const watched: Watched = { connection, busySince: 0 };
    connection.query = watchedSend(watched, connection.query);
    connection.execute = watchedSend(watched, connection.execute);
    this.open.add(watched);
    watchedConnections.add(watched);
    sweep ??= setInterval(cutStuckConnections, SWEEP_MS).unref();
    const forget = () => {
      this.open.delete(watched);
      watchedConnections.delete(watched);
    };
    // `on`, not `once`: a connection must never emit 'error' without a listener (that throws).
    connection.on('end', forget);
    connection.on('error', forget);
  }

  /** Cuts every connection still open: for closing, after each had its chance to say goodbye. */
  cutAll(): void {
    for (const watched of this.open) cut(watched.connection);
  }
}
