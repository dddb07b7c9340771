import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const README_MAX_LINES = 400;

/** The user-facing Markdown: the README, CONTRIBUTING, BENCHMARKS and every page under docs/. */
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'BENCHMARKS.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Relative links of a page (outside code), as [target path or '', anchor or undefined]. */
function linksOf(markdown: string): Array<{ target: string; anchor?: string }> {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [target, anchor] = href.split('#');
      return { target: target ?? '', anchor };
    });
}

describe('the documentation', () => {
  it(`README.md is at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it.each(pages)('every relative link and anchor in %s leads somewhere', (page) => {
    const text = readFileSync(path.join(root, page), 'utf8');
    const broken: string[] = [];
    for (const { target, anchor } of linksOf(text)) {
      const file = target ? path.resolve(path.dirname(path.join(root, page)), target) : path.join(root, page);
      if (!existsSync(file)) {
        broken.push(`${target}${anchor ? `#${anchor}` : ''}: no such file`);
        continue;
      }
      if (anchor && statSync(file).isFile() && file.endsWith('.md')) {
        if (!anchorsOf(readFileSync(file, 'utf8')).has(anchor))
          broken.push(`${target}#${anchor}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the checks see what they forbid (a missing file and a missing heading)', () => {
    expect(linksOf('see [x](nowhere.md#a) and `[y](ignored.md)`')).toEqual([
      { target: 'nowhere.md', anchor: 'a' },
    ]);
    expect(anchorsOf('## A `b`, c\n## A `b`, c')).toEqual(new Set(['a-b-c', 'a-b-c-1']));
  });
});
