/** `npm run dev`: what a rebuild restarts (scripts/lib/dev-watch.mjs). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUILD_FINISHED, restartsFor, watchBuildOutput, type WatchedPackage } from '../lib/dev-watch.mjs';

const PACKAGES: WatchedPackage[] = [
  { dir: 'packages/service-kit', processes: [], restartsAll: true },
  { dir: 'user-service', processes: ['user', 'user-2'] },
  { dir: 'product-service', processes: ['product', 'product-2'] },
  { dir: 'api-gateway', processes: ['gateway', 'gateway-2'] },
];

describe('restartsFor', () => {
  it('when one service was rebuilt, then only its processes restart', () => {
    const restarts = restartsFor(
      [
        'product-service/dist/products/product-routes.js',
        'product-service/dist/products/product-routes.js.map',
      ],
      PACKAGES,
    );
    expect([...restarts]).toEqual([
      ['product', 'product-service rebuilt'],
      ['product-2', 'product-service rebuilt'],
    ]);
  });

  it('when the kit was rebuilt, then every service restarts; maps and declarations alone restart nothing', () => {
    expect([...restartsFor(['packages/service-kit/dist/logger.js'], PACKAGES).keys()]).toEqual([
      'user',
      'user-2',
      'product',
      'product-2',
      'gateway',
      'gateway-2',
    ]);
    expect(restartsFor(['user-service/dist/app.d.ts', 'user-service/dist/app.js.map'], PACKAGES).size).toBe(
      0,
    );
    expect(restartsFor(['user-service/src/app.js'], PACKAGES).size).toBe(0);
  });

  it("recognises tsc's end-of-build line", () => {
    expect(BUILD_FINISHED.test('10:01:02 PM - Found 0 errors. Watching for file changes.')).toBe(true);
    expect(BUILD_FINISHED.test('10:01:02 PM - Found 1 error. Watching for file changes.')).toBe(true);
    expect(
      BUILD_FINISHED.test('10:01:00 PM - File change detected. Starting incremental compilation...'),
    ).toBe(false);
  });
});

describe('watchBuildOutput', () => {
  let root: string | undefined;
  let close: (() => void) | undefined;
  afterEach(() => {
    close?.();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('when a build finished after writing into a dist/, then the processes of that package restart, once', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dev-watch-'));
    for (const pkg of PACKAGES) mkdirSync(path.join(root, pkg.dir, 'dist', 'products'), { recursive: true });
    const restart = vi.fn(async () => {});
    const watcher = watchBuildOutput({ root, packages: PACKAGES, restart, log: () => {} });
    close = watcher.close;

    writeFileSync(path.join(root, 'product-service', 'dist', 'products', 'product-routes.js'), '// new');
    await vi.waitFor(async () => {
      watcher.buildFinished();
      expect(restart).toHaveBeenCalled();
    });
    watcher.buildFinished();
    await sleep(50);

    expect(restart.mock.calls).toEqual([
      ['product', 'product-service rebuilt'],
      ['product-2', 'product-service rebuilt'],
    ]);
  });
});
