import type { Logger } from 'pino';
import { createReplicaTargets, type LookupAll } from './replica-targets';

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
export interface ReplicaPool {
  readonly upstream: string;
  /** Every replica's origin (http://address:port), as last resolved. */
  origins(): Promise<string[]>;
  /** The next replica in the rotation that is not in `avoid` (those this request already tried). */
  next(avoid?: ReadonlySet<string>): Promise<string>;
  /** Out of the rotation until its /ready answers 200 (only probed while there are several). */
  setAside(origin: string, reason: SetAsideReason): void;
  /** How many known replicas are in the rotation and how many are set aside. */
  counts(): { inRotation: number; setAside: number };
  /** Whether at least one replica answers its /ready with 200. */
  anyReady(): Promise<boolean>;
  /** Starts asking every replica's /ready every `probeEveryMs` (only while there are several). */
  start(): void;
  close(): void;
}

export function createReplicaPool(
  upstream: string,
  baseUrls: string[],
  options: ReplicaPoolOptions,
): ReplicaPool {
  const targets = baseUrls.map((url) => createReplicaTargets(url, options.refreshMs, options.lookup));
  const setAsideFor = new Map<string, SetAsideReason>();
  let known: string[] = [];
  let turn = 0;
  let timer: NodeJS.Timeout | undefined;
  let probing = false;

  async function origins(): Promise<string[]> {
    const lists = await Promise.all(targets.map((target) => target.origins()));
    known = [...new Set(lists.flat())];
    return known;
  }

  function setAside(origin: string, reason: SetAsideReason): void {
    if (setAsideFor.get(origin) === reason) return;
    if (!setAsideFor.has(origin)) {
      options.logger?.info({ upstream, replica: origin, reason }, 'replica set aside');
    }
    setAsideFor.set(origin, reason);
  }

  function bringBack(origin: string): void {
    if (!setAsideFor.delete(origin)) return;
    options.logger?.info({ upstream, replica: origin }, 'replica back in the rotation');
  }

  async function probe(): Promise<void> {
    if (probing) return;
    probing = true;
    try {
      const all = await origins();
      // One replica takes every request whatever its state: nothing to choose, nothing to ask.
      if (all.length < 2) {
        setAsideFor.clear();
        return;
      }
      await Promise.all(
        all.map(async (origin) => {
          if (await options.isReady(origin)) bringBack(origin);
          else setAside(origin, 'not_ready');
        }),
      );
    } finally {
      probing = false;
    }
  }

  return {
    upstream,
    origins,
    async next(avoid = new Set()) {
      const all = await origins();
      const untried = all.filter((origin) => !avoid.has(origin));
      const inRotation = untried.filter((origin) => !setAsideFor.has(origin));
      const choices = inRotation.length > 0 ? inRotation : untried.length > 0 ? untried : all;
      return choices[turn++ % choices.length]!;
    },
    setAside,
    counts() {
      const setAsideCount = known.filter((origin) => setAsideFor.has(origin)).length;
      return { inRotation: known.length - setAsideCount, setAside: setAsideCount };
    },
    async anyReady() {
      const answers = await Promise.all((await origins()).map((origin) => options.isReady(origin)));
      return answers.includes(true);
    },
    start() {
      timer ??= setInterval(() => void probe(), options.probeEveryMs);
      timer.unref();
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
