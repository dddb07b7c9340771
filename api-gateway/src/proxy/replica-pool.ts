import type { Logger } from 'pino';
import { type LookupAll, ReplicaTargets } from './replica-targets';

/** Why a replica is out of the rotation. */
export type SetAsideReason = 'refused' | 'broken' | 'draining' | 'not_ready';

export interface ReplicaPoolOptions {
  /** How often names are re-resolved (see ReplicaTargets). */
  refreshMs: number;
  /** Whether one replica (an origin) answers its /ready with 200. */
  isReady: (origin: string) => Promise<boolean>;
  /** How often every replica's /ready is asked while there are several. */
  probeEveryMs: number;
  lookup?: LookupAll;
  logger?: Pick<Logger, 'info'>;
}

/**
 * The replicas of one service, from every URL configured for it (each possibly a name for
 * several), and which of them take requests. Requests go round robin over the replicas in the
 * rotation. A replica leaves it when a request finds it refusing or breaking connections, or
 * answering `Connection: close` (what a stopping service asks of every client), and when its /ready
 * fails a probe (503 `shutting_down` is the first sign of a drain, before it closes anything); it
 * comes back once its /ready answers 200. With no replica in the rotation every one is tried
 * anyway: a guess never turns into a refusal.
 */
export class ReplicaPool {
  private readonly targets: ReplicaTargets[];
  private readonly setAsideFor = new Map<string, SetAsideReason>();
  private known: string[] = [];
  private turn = 0;
  private timer?: NodeJS.Timeout;
  private probing = false;

  constructor(
    readonly upstream: string,
    baseUrls: string[],
    private readonly options: ReplicaPoolOptions,
  ) {
    this.targets = baseUrls.map((url) => new ReplicaTargets(url, options.refreshMs, options.lookup));
  }

  /** Every replica's origin (http://address:port), as last resolved. */
  async origins(): Promise<string[]> {
    const lists = await Promise.all(this.targets.map((target) => target.origins()));
    this.known = [...new Set(lists.flat())];
    return this.known;
  }

  /** The next replica in the rotation that is not in `avoid` (those this request already tried). */
  async next(avoid: ReadonlySet<string> = new Set()): Promise<string> {
    const all = await this.origins();
    const untried = all.filter((origin) => !avoid.has(origin));
    const inRotation = untried.filter((origin) => !this.setAsideFor.has(origin));
    const choices = inRotation.length > 0 ? inRotation : untried.length > 0 ? untried : all;
    return choices[this.turn++ % choices.length]!;
  }

  /** Out of the rotation until its /ready answers 200 (only probed while there are several). */
  setAside(origin: string, reason: SetAsideReason): void {
    if (this.setAsideFor.get(origin) === reason) return;
    if (!this.setAsideFor.has(origin)) {
      this.options.logger?.info({ upstream: this.upstream, replica: origin, reason }, 'replica set aside');
    }
    this.setAsideFor.set(origin, reason);
  }

  /** How many known replicas are in the rotation and how many are set aside. */
  counts(): { inRotation: number; setAside: number } {
    const setAside = this.known.filter((origin) => this.setAsideFor.has(origin)).length;
    return { inRotation: this.known.length - setAside, setAside };
  }

  /** Whether at least one replica answers its /ready with 200. */
  async anyReady(): Promise<boolean> {
    const answers = await Promise.all((await this.origins()).map((origin) => this.options.isReady(origin)));
    return answers.includes(true);
  }

  /** Starts asking every replica's /ready every `probeEveryMs` (only while there are several). */
  start(): void {
    this.timer ??= setInterval(() => void this.probe(), this.options.probeEveryMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const origins = await this.origins();
      // One replica takes every request whatever its state: nothing to choose, nothing to ask.
      if (origins.length < 2) {
        this.setAsideFor.clear();
        return;
      }
      await Promise.all(
        origins.map(async (origin) => {
          if (await this.options.isReady(origin)) this.bringBack(origin);
          else this.setAside(origin, 'not_ready');
        }),
      );
    } finally {
      this.probing = false;
    }
  }

  private bringBack(origin: string): void {
    if (!this.setAsideFor.delete(origin)) return;
    this.options.logger?.info({ upstream: this.upstream, replica: origin }, 'replica back in the rotation');
  }
}
