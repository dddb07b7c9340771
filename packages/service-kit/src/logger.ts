import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-internal-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/** Log lines waiting for stdout beyond this are dropped rather than growing memory without end. */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

/**
 * stdout is written asynchronously: lines written while a write is in flight go out together with
 * the next one. Synchronous writes block the event loop whenever the reader is slower than the
 * writer (a pipe to a supervisor or a log shipper on a busy machine): measured, that cut the
 * gateway's throughput by more than half under load. Whatever is still buffered is flushed when
 * the process exits.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES }),
  );
}
