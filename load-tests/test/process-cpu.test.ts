import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { treeCpu } from '../src/process-cpu';

describe('treeCpu', () => {
  const started: ReturnType<typeof spawn>[] = [];
  afterEach(() => started.splice(0).forEach((child) => child.kill()));

  const run = async (script: string) => {
    const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
    started.push(child);
    await once(child, 'spawn');
    // Let sh start what it runs before /proc is read.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return child.pid!;
  };

  it('when a process tree is read, then its root counts as well as its descendants', async () => {
    const root = await run('sleep 30 & wait');
    const tree = treeCpu(root);
    expect(tree.get('sh')?.has(root)).toBe(true);
    expect(tree.get('sleep')?.size).toBe(1);
  });

  it('when the root is not running, then nothing is counted', () => {
    expect(treeCpu(2 ** 22 + 1).size).toBe(0);
  });
});
