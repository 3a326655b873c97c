import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout. Headers are never logged whole, so tokens and signatures stay out. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.session_token', '*.token', '*.signature', 'session_token', 'token'], censor: '[redacted]' },
  });
}
