/**
 * CPU of the processes that have no /metrics — the database (PostgreSQL, FerretDB), Redis, nginx —
 * read from /proc for one process tree: the stack `npm run load:stack` starts (so a developer's
 * other stacks are not counted). Linux only; elsewhere nothing is read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServiceUsage } from './service-metrics';

/** Clock ticks per second of /proc's utime/stime: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  parent: number;
  name: string;
  cpuSeconds: number;
}

function readStat(pid: string): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // The name is in parentheses and may itself hold spaces or parentheses: split after the last one.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // Fields after the name, from `state`: ppid is the 2nd, utime the 12th, stime the 13th.
  return {
    pid: Number(pid),
    parent: Number(fields[1]),
    name: stat.slice(stat.indexOf('(') + 1, close),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
  };
}

/**
 * CPU seconds used so far by `root` and each live descendant of it, by process name and pid. The root
 * counts: `npm start` execs into the supervisor, which relays every service's output.
 */
export function treeCpu(root: number): Map<string, Map<number, number>> {
  const byName = new Map<string, Map<number, number>>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return byName;
  }
  const stats = entries.flatMap((entry) => readStat(entry) ?? []);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  const pending = stats.filter((stat) => stat.pid === root);
  while (pending.length > 0) {
    const stat = pending.pop()!;
    pending.push(...(children.get(stat.pid) ?? []));
    const pids = byName.get(stat.name) ?? new Map<number, number>();
    pids.set(stat.pid, stat.cpuSeconds);
    byName.set(stat.name, pids);
  }
  return byName;
}

/** The Node.js services report through /metrics; their rows come from there. */
const MEASURED_ELSEWHERE = new Set(['node', 'MainThread']);

/**
 * Samples a process tree before and after a run. A process that started within the run counts
 * in full; one that ended within it cannot be read any more, and the row says so.
 */
export class ProcessGroupSampler {
  private first: ReturnType<typeof treeCpu> | undefined;
  private firstAt = 0;

  constructor(private readonly root: number | undefined) {}

  sample(): void {
    if (this.root === undefined) return;
    this.first = treeCpu(this.root);
    this.firstAt = performance.now();
  }

  usage(): ServiceUsage[] {
    if (this.root === undefined || !this.first) return [];
    const last = treeCpu(this.root);
    const wallSeconds = (performance.now() - this.firstAt) / 1_000;
    const rows: ServiceUsage[] = [];
    for (const [name, end] of last) {
      if (MEASURED_ELSEWHERE.has(name)) continue;
      const start = this.first.get(name) ?? new Map<number, number>();
      let seconds = 0;
      for (const [pid, used] of end) seconds += used - (start.get(pid) ?? 0);
      const ended = [...start.keys()].filter((pid) => !end.has(pid)).length;
      rows.push({
        name,
        url: `/proc (under pid ${this.root}, ${end.size} process${end.size === 1 ? '' : 'es'})`,
        reachable: true,
        cpuSeconds: Math.round(seconds * 100) / 100,
        cpuPercent: wallSeconds > 0 ? Math.round((seconds / wallSeconds) * 1000) / 10 : null,
        rssStartMb: null,
        rssEndMb: null,
        rssPeakMb: null,
        ...(ended > 0
          ? { error: `${ended} process(es) ended during the run: their CPU is not counted` }
          : {}),
      });
    }
    return rows.sort((a, b) => (b.cpuSeconds ?? 0) - (a.cpuSeconds ?? 0));
  }
}

/** The pid of the stack `npm run load:stack` started, when it did. */
export function stackRootPid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const root = Number(env.LOAD_STACK_PID);
  return Number.isInteger(root) && root > 0 ? root : undefined;
}

/** `api-gateway-2` counts as `api-gateway`: replicas are summed in the per-unit line. */
export const serviceOf = (name: string) => name.replace(/-\d+$/, '');

/** CPU milliseconds per unit (order or request), per service and process, and their total. */
export function cpuPerUnit(rows: readonly ServiceUsage[], units: number) {
  const byName = new Map<string, number>();
  let unknown = false;
  for (const row of rows) {
    if (row.cpuSeconds === null) {
      unknown = true;
      continue;
    }
    const name = serviceOf(row.name);
    byName.set(name, (byName.get(name) ?? 0) + row.cpuSeconds);
  }
  const perUnit = [...byName].map(([name, seconds]) => ({
    name,
    ms: units > 0 ? (seconds * 1_000) / units : null,
  }));
  const totalMs = units > 0 ? perUnit.reduce((sum, row) => sum + (row.ms ?? 0), 0) : null;
  return { perUnit, totalMs, complete: !unknown };
}
