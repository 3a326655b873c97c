import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout (or `destination`, which tests use to read the audit log). Headers are
 * never logged whole, so tokens and signatures stay out.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.session_token', '*.token', '*.signature', 'session_token', 'token'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
