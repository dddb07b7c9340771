import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { errorBody, HttpError } from './errors';
import { isDuplicateKey } from './mongo-errors';
import { levelForStatus } from './request-logging';
import { describeIssues } from './validation';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Errors thrown by libraries we know how to describe to a client. */
function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return HttpError.badRequest('Invalid request', describeIssues(error));
  const parserError = error as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') return HttpError.badRequest('Malformed JSON body');
  if (parserError?.type === 'entity.too.large') return new HttpError(413, 'Request body too large');
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return new HttpError(415, 'Unsupported body encoding');
  }
  if (isDuplicateKey(error)) return HttpError.conflict('Resource already exists');
  return undefined;
}

export const notFoundHandler: RequestHandler = (req) => {
  throw HttpError.notFound(`Route ${req.method} ${req.path} not found`);
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
