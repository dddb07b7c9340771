/**
 * One Node.js major everywhere (.nvmrc), and `npm start` switching to it when the user's `node` is
 * older (scripts/lib/node-runtime.mjs, with scripts/node-runtime.sh installing it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const major = read('.nvmrc').trim();

describe('the Node.js version', () => {
  it('when read from every place that names it, then each says the major in .nvmrc', () => {
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(read('Dockerfile')).toContain(`ARG NODE_IMAGE=node:${major}-bookworm-slim\n`);
    const composeDefaults = [...read('docker-compose.yml').matchAll(/NODE_IMAGE:-([^}]+)\}/g)].map(
      (m) => m[1],
    );
    expect(composeDefaults.length).toBeGreaterThan(0);
    expect(new Set(composeDefaults)).toEqual(new Set([`node:${major}-bookworm-slim`]));
    expect(read('scripts/compose-test/base-images.sh')).toContain(`COMPOSE_TEST_NODE_MAJOR:-${major}}`);
    expect(read('scripts/node-runtime.sh')).toMatch(new RegExp(`ECOM_NODE_VERSION:-${major}\\.\\d+\\.\\d+}`));
  });

  it('when this process runs the tests, then it is that major (npm test puts it first on PATH)', () => {
    expect(process.versions.node.split('.')[0]).toBe(major);
  });
});

describe('npm start under an older Node.js', () => {
  // A checkout whose .nvmrc asks for a major newer than the running Node, and whose node-runtime.sh
  // "installs" a stand-in node that reports how it was called.
  const root = mkdtempSync(path.join(os.tmpdir(), 'node-runtime-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const binDir = path.join(root, 'tools', 'bin');
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  mkdirSync(binDir, { recursive: true });
  writeFileSync(path.join(root, '.nvmrc'), `${Number(process.versions.node.split('.')[0]) + 1}\n`);
  writeFileSync(path.join(root, 'scripts', 'node-runtime.sh'), `echo ${binDir}\n`);
  writeFileSync(
    path.join(binDir, 'node'),
    '#!/bin/sh\necho "stand-in node: $* (first on PATH: $(command -v node))"\nexit 7\n',
  );
  chmodSync(path.join(binDir, 'node'), 0o755);
  const main = path.join(root, 'main.mjs');
  const runtime = pathToFileURL(path.join(ROOT, 'scripts', 'lib', 'node-runtime.mjs')).href;
  writeFileSync(
    main,
    `import { runOnProjectNode } from '${runtime}';\n` +
      `await runOnProjectNode(${JSON.stringify(root)});\nconsole.log('went on under the old node');\n`,
  );

  it('when started, then the same script runs again under the project Node, which is first on PATH, and its exit status is kept', () => {
    const result = spawnSync(process.execPath, [main, '--some-flag'], { encoding: 'utf8' });

    expect(result.stdout).toContain(`stand-in node: ${main} --some-flag (first on PATH: ${binDir}/node)`);
    expect(result.stdout).not.toContain('went on under the old node');
    expect(result.status).toBe(7);
  });
});
