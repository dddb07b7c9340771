import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Polled until it answers `readyStatus` (or anything but a connection error, when undefined). */
  readyUrl: string;
  readyStatus?: number;
}

const START_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 10_000;

/** Only what a process needs from the test runner's environment; everything else is explicit. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return Object.fromEntries(keep.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])));
}

async function answers(url: string, status?: number): Promise<boolean> {
  try {
    const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    await response.body.dump();
    return status === undefined || response.statusCode === status;
  } catch {
    return false;
  }
}

/** A real server process: started, watched until ready, its output kept for assertions. */
export class ManagedProcess {
  readonly output: string[] = [];
  private child?: ChildProcess;

  constructor(readonly spec: ProcessSpec) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(this.spec.command, this.spec.args, {
      env: { ...baseEnv(), ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.spec.name} exited during start:\n${this.tail()}`);
      if (await answers(this.spec.readyUrl, this.spec.readyStatus)) return;
      await sleep(150);
    }
    await this.stop();
    throw new Error(`${this.spec.name} was not ready within ${START_TIMEOUT_MS} ms:\n${this.tail()}`);
  }

  /** SIGTERM (graceful shutdown), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  mentions(text: string): boolean {
    return this.output.some((line) => line.includes(text));
  }

  tail(lines = 30): string {
    return this.output.slice(-lines).join('\n');
  }
}
