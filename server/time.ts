/**
 * Times are stored as 'YYYY-MM-DD HH:MM:SS.mmm' UTC text on both databases (MySQL DATETIME(3)
 * read with dateStrings, SQLite TEXT), so they compare and sort the same way everywhere
 * whatever the server's TZ.
 */
export function toDbTime(date: Date): string {
  const iso = date.toISOString(); // 2026-12-03T15:45:21.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export function nowDbTime(): string {
  return toDbTime(new Date());
}

export function dbTimeAfterSeconds(seconds: number): string {
  return toDbTime(new Date(Date.now() + seconds * 1000));
}

/** '2026-12-03 15:45:21.123' → '2026-12-03T15:45:21.123Z' */
export function toIsoTime(dbTime: string): string {
  return `${dbTime.replace(' ', 'T')}Z`;
}

export function toIsoTimeOrNull(dbTime: string | null): string | null {
  return dbTime === null ? null : toIsoTime(dbTime);
}
