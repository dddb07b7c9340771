import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { AccessLogMode } from './config';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/** Honours a well-formed incoming X-Request-Id so one id follows a call across services. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Error level feeds the alerts, so it is kept for faults. A 503 says "busy or briefly away, retry"
 * (lock contention, overload, a dependency restarting, a drain), an expected condition: warn.
 */
export function levelForStatus(status: number): 'error' | 'warn' | 'info' {
  if (status === 503) return 'warn';
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/**
 * Access log plus a per-request child logger at req.log carrying the request id. With `errors`,
 * only 4xx/5xx answers get a line: behind the gateway, which logs every request with the same
 * request id, a second line per request would double the logging work and volume.
 */
export function requestLogger(logger: Logger, accessLog: AccessLogMode = 'all') {
  return pinoHttp({
    logger,
    genReqId: requestIdFor,
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url?.split('?')[0] ?? '') },
    customLogLevel: (_req, res, error) => {
      // A client that hung up before the answer is not our fault either.
      if (error && !res.writableEnded) return 'warn';
      const level = error && res.statusCode < 500 ? 'error' : levelForStatus(res.statusCode);
      return level === 'info' && accessLog === 'errors' ? 'silent' : level;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
