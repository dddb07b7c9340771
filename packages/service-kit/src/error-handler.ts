import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { DomainError, STATUS_OF_REFUSAL } from './domain-error';
import { errorBody, HttpError } from './errors';
import { levelForStatus } from './request-logging';
import { describeIssues } from './validation';

/** What body-parser (via http-errors) puts on the errors it raises while reading a body. */
interface BodyReadError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

const BODY_ERROR_MESSAGES: Record<number, string> = {
  400: 'Unreadable request body',
  403: 'Request body refused',
  413: 'Request body too large',
  415: 'Unsupported body encoding',
};

/**
 * A body the client got wrong (malformed JSON, a gzip/deflate body that does not inflate, an
 * aborted upload, a wrong length, too large, an unknown encoding): body-parser marks these with a
 * 4xx status and `expose`. Anything else stays a 500.
 */
function bodyReadError(error: unknown): HttpError | undefined {
  const candidate = error as BodyReadError | undefined;
  if (candidate?.type === 'entity.parse.failed') return HttpError.badRequest('Malformed JSON body');
  const status = candidate?.status;
  if (candidate?.expose !== true || typeof status !== 'number' || status < 400 || status >= 500) {
    return undefined;
  }
  const reason = typeof candidate.type === 'string' ? candidate.type : 'body.unreadable';
  return new HttpError(status, BODY_ERROR_MESSAGES[status] ?? 'Invalid request body', {
    details: { reason },
    cause: error,
  });
}

/**
 * Errors thrown by libraries we know how to describe to a client. A database error is not one of
 * them, not even a duplicate key: only the store that owns a unique index knows whether a clash is
 * the client's doing (a taken email) or a bug, so it translates the clash itself.
 */
function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) return fromDomainError(error);
  if (error instanceof z.ZodError) return HttpError.badRequest('Invalid request', describeIssues(error));
  return bodyReadError(error);
}

/** The HTTP face of a refusal: its status, and the headers that status promises a client. */
export function fromDomainError(error: DomainError): HttpError {
  const headers: Record<string, string> = {};
  if (error.refusal === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
  if (error.refusal === 'unavailable' || error.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(error.retryAfterSeconds ?? 5);
  return new HttpError(STATUS_OF_REFUSAL[error.refusal], error.message, {
    details: error.details,
    headers,
    cause: error.cause ?? error,
  });
}

// Names no path: behind the gateway the service sees an internal one (`/products/...` for
// `/api/products/...`), which the client never sent.
export const notFoundHandler: RequestHandler = () => {
  throw HttpError.notFound('Route not found');
};

/** Renders every error as {error, timestamp, status, requestId, details?}; never a stack trace. */
export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const requestId = typeof req.id === 'string' ? req.id : undefined;
  const known = toHttpError(error);
  if (!known) {
    req.log?.error({ err: error }, 'unhandled error');
    res.status(500).json(errorBody(500, 'Internal server error', requestId));
    return;
  }
  if (known.status >= 500)
    req.log?.[levelForStatus(known.status)]({ err: known.cause ?? known }, known.message);
  res.set(known.headers);
  res.status(known.status).json(errorBody(known.status, known.message, requestId, known.details));
};
