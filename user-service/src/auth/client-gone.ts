import type { Response } from 'express';

/** Fires when the connection closes before the response was sent: the caller stopped waiting. */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
