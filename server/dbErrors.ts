/** Classifies database driver errors the same way for mysql2 and better-sqlite3. */

type DriverError = { code?: string; name?: string; errno?: number; nativeError?: unknown };

function driverErrors(err: unknown): DriverError[] {
  const found: DriverError[] = [];
  let current = err as DriverError | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    found.push(current);
    current = (current.nativeError ?? (current as { cause?: unknown }).cause) as DriverError | undefined;
  }
  return found;
}

function hasCode(err: unknown, test: (code: string, name: string) => boolean): boolean {
  return driverErrors(err).some((e) => test(String(e.code ?? ''), String(e.name ?? '')));
}

export function isUniqueViolation(err: unknown): boolean {
  return hasCode(err, (code, name) =>
    code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || name === 'UniqueViolationError');
}

export function isForeignKeyViolation(err: unknown): boolean {
  return hasCode(err, (code, name) =>
    code.startsWith('ER_NO_REFERENCED_ROW') || code.startsWith('ER_ROW_IS_REFERENCED') ||
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || name === 'ForeignKeyViolationError');
}

/** Worth retrying the whole transaction: InnoDB deadlock or lock wait, SQLite busy. */
export function isRetryableConflict(err: unknown): boolean {
  return hasCode(err, (code) =>
    code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT');
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_BAD_DB_ERROR', 'ER_ACCESS_DENIED_ERROR',
  'ER_NO_SUCH_TABLE', 'SQLITE_CANTOPEN', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CORRUPT',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  return hasCode(err, (code, name) =>
    UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR') || name === 'KnexTimeoutError');
}
