import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The one assembly shape (CONTRIBUTING.md, "One composition root per service"): the same few files at
 * `src/`, everything else in component folders, and only `service.ts` opening connections and
 * building the app.
 */
const root = path.resolve(__dirname, '../..');

const ROOT_FACTORY: Record<string, string> = {
  'api-gateway': 'createApiGateway',
  'user-service': 'createUserService',
  'product-service': 'createProductService',
  'order-service': 'createOrderService',
};
const REQUIRED_FILES = ['main.ts', 'service.ts', 'index.ts', 'app.ts', 'config.ts', 'tracing.ts'];
const OPTIONAL_FILES = ['metrics.ts', 'openapi.ts'];
/** Programs of their own that also connect: the catalog seed command. */
const OTHER_PROGRAMS = new Set(['product-service/src/seed/run-seed.ts']);
const OPENS_OR_ASSEMBLES = /\b(openMongoStorage|createRedis|createApp|serviceRoot)\(/;

interface Listing {
  service: string;
  topFiles: string[];
  /** Every .ts file under src/, relative to the repository, with its text. */
  sources: { file: string; text: string }[];
}

function shapeViolations({ service, topFiles, sources }: Listing): string[] {
  const violations: string[] = [];
  for (const file of REQUIRED_FILES)
    if (!topFiles.includes(file)) violations.push(`${service}/src/${file} is missing`);
  for (const file of topFiles)
    if (![...REQUIRED_FILES, ...OPTIONAL_FILES].includes(file))
      violations.push(`${service}/src/${file} belongs in a component folder`);
  const rootFile = `${service}/src/service.ts`;
  for (const { file, text } of sources) {
    const definesIt = file === `${service}/src/app.ts`;
    if (file !== rootFile && !definesIt && !OTHER_PROGRAMS.has(file) && OPENS_OR_ASSEMBLES.test(text))
      violations.push(`${file} connects or assembles: only service.ts does`);
  }
  const rootText = sources.find(({ file }) => file === rootFile)?.text ?? '';
  if (!new RegExp(`export async function ${ROOT_FACTORY[service]}\\(\\s*config`).test(rootText))
    violations.push(`${rootFile} does not export ${ROOT_FACTORY[service]}(config, options)`);
  return violations;
}

function sourcesUnder(dir: string): { file: string; text: string }[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(file);
    return entry.name.endsWith('.ts') ? [{ file, text: readFileSync(path.join(root, file), 'utf8') }] : [];
  });
}

function listingOf(service: string): Listing {
  const src = path.posix.join(service, 'src');
  const topFiles = readdirSync(path.join(root, src), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  return { service, topFiles, sources: sourcesUnder(src) };
}

describe('the one assembly shape', () => {
  it.each(Object.keys(ROOT_FACTORY))('when %s is read, then it has the shape', (service) => {
    expect(shapeViolations(listingOf(service))).toEqual([]);
  });

  it('when a service strays from it, then each stray is named', () => {
    const listing: Listing = {
      service: 'order-service',
      topFiles: ['main.ts', 'service.ts', 'index.ts', 'app.ts', 'config.ts', 'compose.ts'],
      sources: [
        { file: 'order-service/src/service.ts', text: 'export function build() {}' },
        { file: 'order-service/src/compose.ts', text: 'const app = createApp({ settings });' },
      ],
    };
    expect(shapeViolations(listing)).toEqual([
      'order-service/src/tracing.ts is missing',
      'order-service/src/compose.ts belongs in a component folder',
      'order-service/src/compose.ts connects or assembles: only service.ts does',
      'order-service/src/service.ts does not export createOrderService(config, options)',
    ]);
  });
});
