/**
 * The supervisor behind `npm start`, with tiny Node processes standing in for the services.
 * (e2e/test/local-stack.test.ts drives the real stack through `npm start`.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ProcessSpec, Supervisor, type SupervisorOptions } from '../lib/supervisor.mjs';

/** A process that prints `<name> up`, stays until signalled, and reports the signals it gets. */
function sleeper(name: string, script = '', layer: ProcessSpec['layer'] = 'app'): ProcessSpec {
  return {
    name,
    layer,
    command: process.execPath,
    args: ['-e', `console.log('${name} up'); setInterval(() => {}, 1000); ${script}`],
  };
}

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let supervisor: Supervisor | undefined;
const logs: string[] = [];
const output: string[] = [];

function supervise(options: SupervisorOptions, ...specs: ProcessSpec[]): Supervisor {
  supervisor = new Supervisor({
    log: (line) => logs.push(line),
    output: (line) => output.push(line),
    ...options,
  });
  for (const spec of specs) supervisor.add(spec);
  return supervisor.start();
}

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  logs.length = 0;
  output.length = 0;
});

describe('the supervisor of npm start', () => {
  it('when a process is killed, then it is restarted after the backoff while the others keep running', async () => {
    const stack = supervise({ backoffMs: [100] }, sleeper('product'), sleeper('order'));
    await vi.waitFor(() =>
      expect(output).toEqual(expect.arrayContaining([expect.stringMatching(/order up/)])),
    );
    const [product, order] = [stack.pid('product'), stack.pid('order')];

    process.kill(product!, 'SIGKILL');

    await vi.waitFor(() => expect(stack.pid('product')).not.toBe(product));
    await vi.waitFor(() => expect(alive(stack.pid('product'))).toBe(true));
    expect(stack.pid('order')).toBe(order);
    expect(alive(order)).toBe(true);
    expect(logs.join('\n')).toMatch(/product was killed \(SIGKILL\); restarting it in 0\.1 s \(crash 1/);
  });

  it('when a process is restarted, then its beforeStart runs again first (a crash leaves files behind)', async () => {
    const starts: string[] = [];
    const stack = supervise(
      { backoffMs: [50] },
      { ...sleeper('mongo'), beforeStart: () => starts.push(`before start ${starts.length + 1}`) },
    );
    await vi.waitFor(() => expect(alive(stack.pid('mongo'))).toBe(true));
    const first = stack.pid('mongo');
    expect(starts).toHaveLength(1);

    process.kill(first!, 'SIGKILL');

    await vi.waitFor(() => expect(alive(stack.pid('mongo')) && stack.pid('mongo') !== first).toBe(true));
    expect(starts).toEqual(['before start 1', 'before start 2']);
  });

  it('when a process is restarted on purpose (npm run dev), then it stops and starts at once, the others untouched, no crash counted', async () => {
    const stack = supervise({ backoffMs: [5_000], maxCrashes: 2 }, sleeper('product'), sleeper('order'));
    await vi.waitFor(() => expect(output.filter((line) => / up$/.test(line))).toHaveLength(2));
    const [product, order] = [stack.pid('product'), stack.pid('order')];

    await stack.restart('product', 'product-service/dist rebuilt');
    await stack.restart('product', 'product-service/dist rebuilt');

    expect(alive(product)).toBe(false);
    await vi.waitFor(() => expect(alive(stack.pid('product'))).toBe(true));
    expect(stack.pid('product')).not.toBe(product);
    expect(stack.pid('order')).toBe(order);
    expect(logs).toEqual([
      'product: restarting (product-service/dist rebuilt)',
      'product: restarting (product-service/dist rebuilt)',
    ]);
  });

  it('when a process keeps crashing, then it gives up at the crash loop and stops every process (exit code 1)', async () => {
    const crashing = { name: 'user', command: process.execPath, args: ['-e', 'process.exit(3)'] };
    const stack = supervise(
      { backoffMs: [20], maxCrashes: 3, windowMs: 60_000 },
      crashing,
      sleeper('gateway'),
    );

    await expect(stack.done).resolves.toBe(1);
    expect(logs.filter((line) => line.includes('restarting'))).toHaveLength(2);
    expect(logs.at(-1)).toMatch(/user exited \(code 3\): 3 crashes within 60 s, a crash loop\. Giving up/);
    expect(alive(stack.pid('gateway'))).toBe(false);
  });

  it('stops services before data stores, and SIGKILLs one that ignores SIGTERM past its deadline', async () => {
    const stubborn = sleeper(
      'gateway',
      "process.on('SIGTERM', () => console.log('gateway ignores SIGTERM'));",
    );
    const data = sleeper(
      'redis',
      "process.on('SIGTERM', () => { console.log('redis got SIGTERM'); process.exit(0); });",
      'data',
    );
    const stack = supervise({ appStopMs: 300, dataStopMs: 300 }, data, stubborn);
    await vi.waitFor(() => expect(output.filter((line) => / up$/.test(line))).toHaveLength(2));
    const pids = [stack.pid('gateway'), stack.pid('redis')];

    await stack.stop();

    await expect(stack.done).resolves.toBe(0);
    const lines = output.join('\n');
    expect(lines.indexOf('gateway ignores SIGTERM')).toBeLessThan(lines.indexOf('redis got SIGTERM'));
    expect(logs).toContain('gateway did not stop within 0.3 s: SIGKILL');
    expect(pids.map(alive)).toEqual([false, false]);
    // Stopped on purpose: nothing is restarted.
    await sleep(100);
    expect(logs.some((line) => line.includes('restarting'))).toBe(false);
  });

  it('prefixes each line with the process name and drops what the filter drops', async () => {
    const noisy = {
      name: 'redis',
      command: process.execPath,
      args: [
        '-e',
        "console.log('WARNING Memory overcommit must be enabled!\\nready'); setInterval(() => {}, 1000)",
      ],
      filter: (line: string) => (line.includes('overcommit') ? undefined : line),
    };
    supervise({}, noisy, sleeper('gateway'));
    await vi.waitFor(() => expect(output).toContain('redis   | ready'));
    expect(output.join('\n')).not.toContain('overcommit');
  });
});
