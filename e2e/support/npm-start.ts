/**
 * `npm start` for real, as a user runs it, on ports moved by PORT_OFFSET (next to any running
 * `npm start`) and with a throw-away LOCAL_DATA_DIR (the developer's .data stays untouched).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import { ROOT } from './stack';

const BASE_PORTS = [27017, 27018, 6379, 3000, 3001, 3002, 3003, 3010, 3011, 3012, 3013, 8080];
const START_TIMEOUT_MS = 120_000;

/** Pids of every descendant of `pid`, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export class NpmStart {
  readonly output: string[] = [];
  readonly ports: number[];

  private constructor(
    readonly child: ChildProcess,
    readonly offset: number,
    private readonly dataDir: string,
    /** The database every service of the stack uses, when the test run brought a MongoDB. */
    private readonly mongoUrl?: string,
  ) {
    this.ports = BASE_PORTS.map((port) => port + offset);
  }

  /** Where the stack keeps its orders: the database npm start runs, or the test run's MongoDB. */
  get ordersDatabaseUrl(): string {
    return this.mongoUrl ?? `mongodb://127.0.0.1:${27017 + this.offset}/orders`;
  }

  /** Base URL of a port of the default layout (3000 → the first gateway), moved by the offset. */
  url(basePort: number): string {
    return `http://127.0.0.1:${basePort + this.offset}`;
  }

  /** Pid of the running process whose command line mentions `text` (e.g. user-service/dist). */
  pidOf(text: string): number | undefined {
    return this.pidsOf(text)[0];
  }

  /** Pids of every running process whose command line mentions `text`. */
  pidsOf(text: string): number[] {
    return descendants(this.child.pid!).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
  }

  /**
   * Pid of the process running `main` (e.g. user-service/dist/main.js) on `basePort` moved by the
   * offset: one replica of several running the same main.
   */
  pidOnPort(main: string, basePort: number): number | undefined {
    const port = `PORT=${basePort + this.offset}`;
    return this.pidsOf(main).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(port);
      } catch {
        return false;
      }
    });
  }

  static async start(env: Record<string, string> = {}): Promise<NpmStart> {
    const offset = Number(
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'start-local.mjs'), '--free-port-offset'], {
        encoding: 'utf8',
      }).trim(),
    );
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-npm-start-'));
    // A MongoDB given to the test run (MONGODB_URL) replaces the database npm start would run: the
    // stack gets a database of its own there, shared by its services (their collections differ).
    const mongoUrl = process.env.MONGODB_URL ? mongoUrlFor(uniqueName('e2e_stack_')) : undefined;
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT_OFFSET: String(offset),
        LOCAL_DATA_DIR: dataDir,
        START_SKIP_BUILD: '1',
        START_PROMETHEUS: '0',
        NO_COLOR: '1',
        ...(mongoUrl ? { MONGODB_URL: mongoUrl } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stack = new NpmStart(child, offset, dataDir, mongoUrl);
    const keep = (chunk: Buffer) => stack.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!stack.output.some((line) => line.includes('[start] stack is up'))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stack.stop();
        throw new Error(`npm start did not come up:\n${stack.tail()}`);
      }
      await sleep(200);
    }
    return stack;
  }

  /**
   * Sends `signal` to npm's pid and waits until npm, every process it started and every port
   * are gone. Resolves with the milliseconds that took (or rejects after `limitMs`).
   */
  async signalAndWait(signal: NodeJS.Signals, limitMs: number): Promise<number> {
    const pids = [this.child.pid!, ...descendants(this.child.pid!)];
    const started = Date.now();
    this.child.kill(signal);
    for (;;) {
      const left = pids.filter(alive);
      const ports = (await Promise.all(this.ports.map(portTaken))).some(Boolean);
      if (left.length === 0 && !ports) return Date.now() - started;
      if (Date.now() - started > limitMs) {
        throw new Error(
          `after ${limitMs} ms still running: ${left.join(', ') || 'none'}; ports taken: ${ports}\n${this.tail()}`,
        );
      }
      await sleep(100);
    }
  }

  /** Cleanup for tests: whatever is left, by pid, then the data directory. */
  async stop(): Promise<void> {
    if (this.child.pid !== undefined && alive(this.child.pid)) {
      const pids = descendants(this.child.pid);
      this.child.kill('SIGTERM');
      for (let waited = 0; waited < 10_000 && pids.some(alive); waited += 200) await sleep(200);
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }
}
