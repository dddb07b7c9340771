import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

export interface BackgroundLoopOptions {
  /** Names the loop in logs and in the failure counter (`operation` = `<name>_pass`). */
  name: string;
  intervalMs: number;
  task: () => Promise<void>;
  logger: Logger;
  failures?: Counter<'operation'>;
}

export interface BackgroundLoop {
  start(): void;
  /** Asks for a pass as soon as the current one (if any) ends. */
  kick(): void;
  /** Stops scheduling and waits for the pass in progress, so shutdown can close clients after. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, one pass at a time; `kick()` picks fresh work up without waiting
 * for the next tick. A failing pass is logged, counted and retried on the next tick; it never stops
 * the loop.
 */
export function createBackgroundLoop(options: BackgroundLoopOptions): BackgroundLoop {
  const { name, intervalMs, task, logger, failures } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let rerun = false;
  let stopped = true;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
    // A loop alone must not keep the process alive (the HTTP server does that in production).
    timer.unref();
  };

  const run = async (): Promise<void> => {
    if (running) {
      rerun = true;
      return;
    }
    running = task()
      .catch((error: unknown) => {
        failures?.inc({ operation: `${name}_pass` });
        logger.warn({ err: error, loop: name }, 'background pass failed');
      })
      .finally(() => {
        running = undefined;
      });
    await running;
    const delay = rerun ? 0 : intervalMs;
    rerun = false;
    schedule(delay);
  };

  return {
    start() {
      stopped = false;
      schedule(0);
    },
    kick() {
      if (stopped) return;
      if (running) rerun = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
