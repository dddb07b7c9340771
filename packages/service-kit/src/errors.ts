import { activeTraceId } from './trace-context';

/** The one error type services throw; the error middleware turns it into the public JSON shape. */
export class HttpError extends Error {
  readonly status: number;
  readonly details?: unknown;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  static badRequest(message: string, details?: unknown): HttpError {
    return new HttpError(400, message, { details });
  }

  static unauthorized(message = 'Authentication required'): HttpError {
    return new HttpError(401, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }

  static forbidden(message = 'Insufficient permissions'): HttpError {
    return new HttpError(403, message);
  }

  static notFound(message = 'Resource not found'): HttpError {
    return new HttpError(404, message);
  }

  static conflict(message: string, details?: unknown): HttpError {
    return new HttpError(409, message, { details });
  }

  static unprocessable(message: string, details?: unknown): HttpError {
    return new HttpError(422, message, { details });
  }

  static serviceUnavailable(message: string, retryAfterSeconds = 5): HttpError {
    return new HttpError(503, message, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

export interface ErrorBody {
  error: string;
  timestamp: string;
  status: number;
  requestId?: string;
  /** The trace this request belongs to, when traced: the way into the trace backend. */
  traceId?: string;
  details?: unknown;
}

export function errorBody(status: number, message: string, requestId?: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { error: message, timestamp: new Date().toISOString(), status };
  if (requestId) body.requestId = requestId;
  const traceId = activeTraceId();
  if (traceId) body.traceId = traceId;
  if (details !== undefined) body.details = details;
  return body;
}
