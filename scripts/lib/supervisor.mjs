// The process supervisor behind `npm start` (scripts/start-local.mjs). Plain Node, no dependency:
// it must run on a fresh clone before `npm ci` has installed anything.
//
//   - every process runs in its own process group, so a terminal's Ctrl-C reaches only us and each
//     process receives exactly one SIGTERM (a second one makes our services skip their graceful part);
//   - output is prefixed line by line with the process name; a per-process filter may drop or
//     rewrite lines (known harmless warnings);
//   - a process that ends on its own is restarted with backoff, as Compose's restart policy does;
//     only a crash loop (maxCrashes within windowMs) stops the whole stack;
//   - stop(): edge and services first (SIGTERM), data stores after them, SIGKILL at deadlines, so
//     the whole stack is gone within stopBudgetMs.
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';

const COLORS = [34, 35, 32, 33, 36, 37, 90, 31, 94, 95];

/**
 * @typedef {object} ProcessSpec
 * @property {string} name
 * @property {string} command
 * @property {string[]} args
 * @property {Record<string, string | undefined>} [env]
 * @property {string} [cwd]
 * @property {'data' | 'app'} [layer] data stores stop last (default 'app')
 * @property {(line: string) => string | undefined} [filter] undefined drops the line
 * @property {() => void} [beforeStart] runs before every start, restarts included
 */

export class Supervisor {
  /** @type {Map<string, { spec: ProcessSpec, child?: import('node:child_process').ChildProcess, crashes: number[], timer?: NodeJS.Timeout, color: number }>} */
  #processes = new Map();
  #stopping;
  #resolveDone;
  /** Resolves with the exit code of the stack (0 after stop(), 1 after a crash loop). */
  done = new Promise((resolve) => (this.#resolveDone = resolve));

  /**
   * @param {object} [options]
   * @param {(line: string) => void} [options.log] supervisor messages
   * @param {(line: string) => void} [options.output] prefixed process output
   * @param {number} [options.maxCrashes] crashes within windowMs that count as a crash loop
   * @param {number} [options.windowMs]
   * @param {number[]} [options.backoffMs] delay before the 1st, 2nd, ... restart (last one repeats)
   * @param {number} [options.appStopMs] SIGKILL for services still running after this
   * @param {number} [options.dataStopMs] the same for data stores, counted after the services
   * @param {boolean} [options.color]
   */
  constructor(options = {}) {
    this.log = options.log ?? ((line) => console.log(`[start] ${line}`));
    this.output = options.output ?? ((line) => process.stdout.write(`${line}\n`));
    this.maxCrashes = options.maxCrashes ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.backoffMs = options.backoffMs ?? [500, 1_000, 2_000, 4_000, 8_000];
    this.appStopMs = options.appStopMs ?? 6_000;
    this.dataStopMs = options.dataStopMs ?? 2_500;
    this.color = options.color ?? false;
  }

  /** @param {ProcessSpec} spec */
  add(spec) {
    this.#processes.set(spec.name, {
      spec,
      crashes: [],
      color: COLORS[this.#processes.size % COLORS.length],
    });
    return this;
  }

  start() {
    for (const entry of this.#processes.values()) this.#spawn(entry);
    return this;
  }

  /** Pid of a process's current incarnation (tests kill it). */
  pid(name) {
    return this.#processes.get(name)?.child?.pid;
  }

  #prefix(entry) {
    const width = Math.max(...[...this.#processes.keys()].map((name) => name.length));
    const label = entry.spec.name.padEnd(width);
    return this.color ? `\x1b[${entry.color}m${label} |\x1b[0m ` : `${label} | `;
  }

  #spawn(entry) {
    const { spec } = entry;
    spec.beforeStart?.();
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    entry.child = child;
    const prefix = this.#prefix(entry);
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) this.#print(entry, prefix, line);
      });
      stream.on('end', () => rest && this.#print(entry, prefix, rest));
    }
    child.on('error', (error) => this.log(`${spec.name}: could not start ${spec.command}: ${error.message}`));
    child.on('exit', (code, signal) => this.#ended(entry, child, code, signal));
  }

  #print(entry, prefix, line) {
    const shown = entry.spec.filter ? entry.spec.filter(line) : line;
    if (shown !== undefined && shown !== '') this.output(prefix + shown);
  }

  #ended(entry, child, code, signal) {
    if (entry.child !== child) return;
    entry.child = undefined;
    if (this.#stopping) return;
    const how = signal ? `was killed (${signal})` : `exited (code ${code})`;
    const now = Date.now();
    entry.crashes = entry.crashes.filter((at) => now - at < this.windowMs).concat(now);
    const count = entry.crashes.length;
    if (count >= this.maxCrashes) {
      this.log(
        `${entry.spec.name} ${how}: ${count} crashes within ${this.windowMs / 1000} s, a crash loop. ` +
          'Giving up: stopping the whole stack (see its output above).',
      );
      void this.stop(1);
      return;
    }
    const delay = this.backoffMs[Math.min(count - 1, this.backoffMs.length - 1)];
    this.log(
      `${entry.spec.name} ${how}; restarting it in ${delay / 1000} s ` +
        `(crash ${count}, the stack gives up at ${this.maxCrashes} within ${this.windowMs / 1000} s)`,
    );
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (!this.#stopping) this.#spawn(entry);
    }, delay);
  }

  /**
   * Stops one process (SIGTERM, SIGKILL after appStopMs) and starts it again at once, without
   * counting a crash: `npm run dev` after a rebuild. Nothing happens once the stack is stopping.
   * @param {string} name
   * @param {string} reason logged with the restart
   */
  async restart(name, reason) {
    const entry = this.#processes.get(name);
    if (!entry || this.#stopping) return;
    this.log(`${name}: restarting (${reason})`);
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const { child } = entry;
    // Detached from its entry first, so its exit is not taken for a crash.
    entry.child = undefined;
    if (child) await this.#stopAll([{ spec: entry.spec, child }], this.appStopMs);
    if (!this.#stopping) this.#spawn(entry);
  }

  /**
   * Stops everything: services first (they close their database connections cleanly while the
   * data stores still answer), then the data stores. Idempotent; resolves when all have ended.
   * @param {number} [exitCode]
   */
  stop(exitCode = 0) {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      for (const entry of this.#processes.values()) clearTimeout(entry.timer);
      const entries = [...this.#processes.values()];
      await this.#stopAll(
        entries.filter((entry) => entry.spec.layer !== 'data'),
        this.appStopMs,
      );
      await this.#stopAll(
        entries.filter((entry) => entry.spec.layer === 'data'),
        this.dataStopMs,
      );
      this.#resolveDone(exitCode);
    })();
    return this.#stopping;
  }

  async #stopAll(entries, deadlineMs) {
    const running = entries.filter((entry) => entry.child);
    await Promise.all(
      running.map(async ({ spec, child }) => {
        const ended = new Promise((resolve) => child.once('exit', resolve));
        signalGroup(child, 'SIGTERM');
        let timer;
        const late = new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs, 'late')));
        if ((await Promise.race([ended, late])) === 'late') {
          this.log(`${spec.name} did not stop within ${deadlineMs / 1000} s: SIGKILL`);
          signalGroup(child, 'SIGKILL');
          await ended;
        }
        clearTimeout(timer);
      }),
    );
  }
}

/** The whole process group: whatever the process started goes with it. */
function signalGroup(child, signal) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
