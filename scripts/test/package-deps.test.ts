/**
 * `npm run lint:package-deps` (knip, part of `npm run lint`): a package that declares a dependency
 * it never imports, or imports one it does not declare, fails the lint.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const KNIP = path.join(ROOT, 'node_modules', '.bin', 'knip');

describe('the package dependency lint', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** Runs knip as `npm run lint:package-deps` does, on a package made of these files. */
  function lint(dependencies: Record<string, string>, source: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'package-deps-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'src'));
    const pkg = { name: 'fixture', version: '1.0.0', private: true, main: 'src/index.ts', dependencies };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    writeFileSync(path.join(dir, 'src', 'index.ts'), source);
    // The issue types knip.jsonc includes; its workspace settings are about this repository.
    const result = spawnSync(
      KNIP,
      ['--directory', dir, '--include', 'dependencies,unlisted,unresolved,binaries', '--no-progress'],
      { encoding: 'utf8' },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('when every import is declared and every declaration imported, then it passes', () => {
    const result = lint(
      { express: '^5.0.0' },
      "import express from 'express';\nexport const app = express();\n",
    );
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('when a dependency is declared but never imported, then it fails naming it', () => {
    const result = lint(
      { express: '^5.0.0', ioredis: '^6.0.0' },
      "import express from 'express';\nexport const app = express();\n",
    );
    expect(result.output).toMatch(/Unused dependencies \(1\)\s+ioredis\s+package\.json/);
    expect(result.status).not.toBe(0);
  });

  it('when a module imports a package it does not declare, then it fails naming it', () => {
    const result = lint(
      {},
      "import mongoose from 'mongoose';\nexport const connection = mongoose.connection;\n",
    );
    expect(result.output).toMatch(/Unlisted dependencies \(1\)\s+mongoose\s+src\/index\.ts/);
    expect(result.status).not.toBe(0);
  });
});
