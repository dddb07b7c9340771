import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './stack';

/** The admin `npm start` creates by default (scripts/start-local.mjs); the README logs in as it. */
export const NPM_START_ADMIN = { email: 'admin@example.com', password: 'admin-dev-password' };

/** The bash block under "## Walkthrough" in README.md, as a user would paste it. */
export function walkthroughScript(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Walkthrough\n')[1];
  const block = section && /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## Walkthrough"');
  return block;
}
