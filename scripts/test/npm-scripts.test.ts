/**
 * npm runs `pre<name>` and `post<name>` around `npm run <name>` without being asked: a script whose
 * name happens to start with "pre" or "post" becomes a hook of another. (`npm run load` once ran the
 * bulk data loader first, writing 260,000 documents into the database on port 27017.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

/** The scripts npm would run as a hook of another script of the same package. */
function accidentalHooks(scripts: Record<string, string>): string[] {
  const names = Object.keys(scripts);
  return names.filter((name) => {
    const hooked = /^(?:pre|post)(.+)$/.exec(name)?.[1];
    return hooked !== undefined && names.includes(hooked);
  });
}

function packageFiles(): string[] {
  const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return ['package.json', ...root.workspaces.map((workspace) => path.join(workspace, 'package.json'))];
}

describe('npm scripts', () => {
  it('when a script is named pre or post another, then it is found', () => {
    expect(accidentalHooks({ load: 'a', preload: 'b', prepare: 'c', poststack: 'd' })).toEqual(['preload']);
  });

  it("when any package's scripts are read, then none is a hook of another", () => {
    const hooks = packageFiles().flatMap((file) => {
      const { scripts = {} } = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      return accidentalHooks(scripts).map((name) => `${file}: ${name}`);
    });
    expect(hooks).toEqual([]);
  });
});
