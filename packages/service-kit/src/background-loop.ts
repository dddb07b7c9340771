import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/**
 * Runs `task` every `intervalMs`, one pass at a time. `kick()` asks for a pass as soon as the
 * current one (if any) ends, so fresh work is picked up without waiting for the next tick.
 * A failing pass is logged, counted (`operation` = `<name>_pass`) and retried on the next tick;
 * it never stops the loop.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
    private readonly failures?: Counter<'operation'>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) this.rerun = true;
    else this.schedule(0);
  }

  /** Stops scheduling and waits for the pass in progress, so shutdown can close clients after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
    // A loop alone must not keep the process alive (the HTTP server does that in production).
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.task()
      .catch((error: unknown) => {
        this.failures?.inc({ operation: `${this.name}_pass` });
        this.logger.warn({ err: error, loop: this.name }, 'background pass failed');
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
    const delay = this.rerun ? 0 : this.intervalMs;
    this.rerun = false;
    this.schedule(delay);
  }
}
