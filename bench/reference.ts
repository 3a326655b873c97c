import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import mysql, { type RowDataPacket } from 'mysql2/promise';

/**
 * The reference the benchmark measures our server against: plain node:http and a mysql2 pool of
 * 64, doing the least work the API contract allows for the benchmarked requests and nothing
 * else. It is not a second implementation of the exchange; routes outside the benchmark are 404.
 *
 * Env: DATABASE_URL (mysql://…), PORT, HOST, SESSION_TTL_SECONDS.
 */

const pool = mysql.createPool({
  uri: process.env.DATABASE_URL,
  connectionLimit: 64,
  dateStrings: true,
  timezone: 'Z',
  supportBigNumbers: true,
  bigNumberStrings: true,
});
const sessionTtlMs = Number(process.env.SESSION_TTL_SECONDS ?? 86400) * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const ADDRESS = /^(aitbc1[a-z0-9_-]{6,84}|0x[0-9a-f]{40})$/;

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function dbTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function isoTime(text: string | null): string | null {
  return text === null ? null : `${text.replace(' ', 'T')}Z`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function tokenOf(req: IncomingMessage): string | null {
  const direct = req.headers['x-session-token'];
  if (typeof direct === 'string' && direct) return direct.trim();
  const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return bearer ? bearer[1] : null;
}

/** Session by token hash, live and not revoked, with the user's status and the wallet row. */
async function authenticate(req: IncomingMessage, userId: string) {
  const token = tokenOf(req);
  if (!token || !TOKEN.test(token)) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in first.');
  if (!UUID.test(userId)) throw new HttpError(400, 'BAD_REQUEST', 'Invalid input: user_id: Invalid UUID');
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT u.id AS user_id, u.status, w.address, w.balance, w.updated_at
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN wallets w ON w.user_id = u.id
      WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?`,
    [sha256Hex(token), dbTime(new Date())],
  );
  const row = rows[0];
  if (!row) throw new HttpError(401, 'UNAUTHORIZED', 'Your session has expired or was ended.');
  if (row.status !== 'active') throw new HttpError(403, 'FORBIDDEN', `This account is ${row.status}.`);
  if (row.user_id !== userId) throw new HttpError(403, 'FORBIDDEN', 'You can only access your own account.');
  return row;
}

async function balance(req: IncomingMessage, userId: string) {
  const row = await authenticate(req, userId);
  return {
    user_id: row.user_id,
    address: row.address,
    balance: Number(row.balance),
    balance_exact: row.balance,
    updated_at: isoTime(row.updated_at),
  };
}

function toTransaction(row: RowDataPacket) {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amount: Number(row.amount),
    amount_exact: row.amount,
    fee: Number(row.fee),
    fee_exact: row.fee,
    description: row.description,
    created_at: isoTime(row.created_at),
    confirmed_at: isoTime(row.confirmed_at),
  };
}

/** First page or the page after a cursor, newest first, by keyset; total from transaction_counts. */
async function history(req: IncomingMessage, userId: string, query: URLSearchParams) {
  await authenticate(req, userId);
  const limit = Number(query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'BAD_REQUEST', 'Invalid input: limit');
  const cursor = query.get('cursor');
  const [createdAt, id] = cursor ? Buffer.from(cursor, 'base64url').toString('utf8').split('|') : [];
  const after = cursor ? 'AND (created_at < ? OR (created_at = ? AND id < ?))' : '';
  const [[rows], [counts]] = await Promise.all([
    pool.execute<RowDataPacket[]>(
      `SELECT id, type, status, amount, fee, description, created_at, confirmed_at FROM transactions
        WHERE user_id = ? ${after} ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`,
      cursor ? [userId, createdAt, createdAt, id] : [userId],
    ),
    pool.execute<RowDataPacket[]>('SELECT SUM(count) AS total FROM transaction_counts WHERE user_id = ?', [userId]),
  ]);
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    user_id: userId,
    total: Number(counts[0]?.total ?? 0),
    next_cursor: rows.length > limit && last ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url') : null,
    transactions: shown.map(toTransaction),
  };
}

async function readJson(req: IncomingMessage): Promise<{ wallet_address?: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

/** Returning user, address-only (demo mode): find the account, insert a session, stamp last_login. */
async function login(req: IncomingMessage) {
  const body = await readJson(req);
  const address = typeof body.wallet_address === 'string' ? body.wallet_address.trim().toLowerCase() : '';
  if (!ADDRESS.test(address)) throw new HttpError(400, 'BAD_REQUEST', 'Invalid input: wallet_address');
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT u.id, u.email, u.username, u.status, u.created_at, w.key_proven_at
       FROM wallets w JOIN users u ON u.id = w.user_id WHERE w.address = ?`,
    [address],
  );
  const account = rows[0];
  if (!account) throw new HttpError(404, 'NOT_FOUND', 'The reference server only logs in returning users.');
  if (account.key_proven_at) throw new HttpError(401, 'UNAUTHORIZED', 'This wallet has proven its key: sign the challenge to log in.');
  if (account.status !== 'active') throw new HttpError(403, 'FORBIDDEN', `This account is ${account.status} and cannot sign in.`);
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = dbTime(new Date(now.getTime() + sessionTtlMs));
  await pool.execute(
    `INSERT INTO sessions (id, user_id, token_hash, created_at, last_used_at, expires_at, user_agent, ip)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [randomUUID(), account.id, sha256Hex(token), dbTime(now), dbTime(now), expiresAt, req.headers['user-agent']?.slice(0, 255) ?? null, req.socket.remoteAddress ?? null],
  );
  await pool.execute('UPDATE users SET last_login = ? WHERE id = ?', [dbTime(now), account.id]);
  return {
    user_id: account.id,
    email: account.email,
    username: account.username,
    created_at: isoTime(account.created_at),
    session_token: token,
    expires_at: isoTime(expiresAt),
    wallet_address: address,
    is_new_user: false,
  };
}

function trpcInput(query: URLSearchParams): { user_id?: unknown } {
  try {
    return JSON.parse(query.get('input') ?? '{}');
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Invalid input');
  }
}

const REST_USER_ROUTE = /^\/api\/users\/([^/]+)\/(balance|transactions)$/;

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [path, search = ''] = (req.url ?? '/').split('?', 2);
  const query = new URLSearchParams(search);
  if (req.method === 'GET' && path === '/healthz') {
    await pool.query('SELECT 1');
    return send(res, 200, { status: 'ok', database: 'ok' });
  }
  if (req.method === 'GET' && path === '/trpc/users.balance') {
    const input = trpcInput(query);
    return send(res, 200, { result: { data: await balance(req, String(input.user_id)) } });
  }
  if (req.method === 'POST' && path === '/api/users/login') return send(res, 200, await login(req));
  const userRoute = req.method === 'GET' ? REST_USER_ROUTE.exec(path) : null;
  if (userRoute?.[2] === 'balance') return send(res, 200, await balance(req, userRoute[1]));
  if (userRoute?.[2] === 'transactions') return send(res, 200, await history(req, userRoute[1], query));
  send(res, 404, { code: 'NOT_FOUND', message: `No route for ${req.method} ${path}.` });
}

const server = createServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    if (err instanceof HttpError) return send(res, err.status, { code: err.code, message: err.message });
    console.error(err);
    send(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side.' });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    // In-flight requests finish before the pool closes.
    server.close(() => pool.end().then(() => process.exit(0), () => process.exit(1)));
    server.closeIdleConnections();
  });
}
