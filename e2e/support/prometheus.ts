/**
 * A real Prometheus (Debian's `prometheus`) scraping a stack started by {@link NpmStart}, with the
 * project's alert rules. The chaos test reads alert states through /api/v1/alerts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@ecom/test-support';
import { request } from 'undici';
import { ROOT } from './stack';

const RULES = path.join(ROOT, 'monitoring', 'prometheus', 'alerts.yml');
const LOCAL_CONFIG = path.join(ROOT, 'monitoring', 'prometheus', 'prometheus.local.yml');

export function findPrometheus(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/bin')) {
    const file = path.join(dir, 'prometheus');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * The project's rules as they are, except that the service-down alert (TargetDown) fires on the
 * first evaluation that sees a failed scrape (`for: 0s`) instead of after a minute: a restart takes
 * 1.5-2 s on an idle machine, too short for a `for: 1s` to be sure to pass between two 500 ms
 * evaluations (seen in CI: an order-service SIGTERM back in 1.47 s never fired), and the test must
 * see the alert fire and resolve. Every other rule keeps its own `for:`, so "no other alert fires" checks
 * the real rules.
 */
export function chaosRules(): string {
  const rules = readFileSync(RULES, 'utf8');
  const shortened = rules.replace(/(- alert: TargetDown\n(?:\s+[^\n]*\n)*?\s+for: )1m/, '$10s');
  if (shortened === rules) throw new Error('alerts.yml: TargetDown with `for: 1m` not found');
  return shortened;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {}

  /** Scrapes every 500 ms and evaluates rules every 500 ms: an outage of a second shows. */
  static async start(offset: number): Promise<Prometheus> {
    const binary = findPrometheus();
    if (!binary) throw new Error('prometheus not found');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-prometheus-'));
    writeFileSync(path.join(dir, 'alerts.yml'), chaosRules());
    const config = readFileSync(LOCAL_CONFIG, 'utf8')
      .replace(/127\.0\.0\.1:(\d+)/g, (_, port) => `127.0.0.1:${Number(port) + offset}`)
      .replace(/scrape_interval: \S+/, 'scrape_interval: 500ms')
      .replace(/scrape_timeout: \S+/, 'scrape_timeout: 500ms')
      .replace(/evaluation_interval: \S+/, 'evaluation_interval: 500ms')
      .replace(/^(\s*-\s*)alerts\.yml$/m, `$1${path.join(dir, 'alerts.yml')}`);
    writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await findFreePort();
    const child = spawn(
      binary,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    );
    const prometheus = new Prometheus(child, `http://127.0.0.1:${port}`, dir);
    const deadline = Date.now() + 30_000;
    while (!(await prometheus.isReady())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await prometheus.stop();
        throw new Error('prometheus did not become ready');
      }
      await sleep(200);
    }
    return prometheus;
  }

  private async isReady(): Promise<boolean> {
    try {
      const response = await request(`${this.url}/-/ready`);
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  async alerts(): Promise<Alert[]> {
    const response = await request(`${this.url}/api/v1/alerts`);
    const body = (await response.body.json()) as { data: { alerts: Alert[] } };
    return body.data.alerts;
  }

  /** Values of `up` per job and instance. */
  async up(): Promise<{ job: string; instance: string; value: number }[]> {
    const response = await request(`${this.url}/api/v1/query?query=up`);
    const body = (await response.body.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result.map((entry) => ({
      job: entry.metric.job ?? '',
      instance: entry.metric.instance ?? '',
      value: Number(entry.value[1]),
    }));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
