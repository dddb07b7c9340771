import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const kitDir = path.resolve(__dirname, '..');

describe('the logger', () => {
  it('when the process exits right after logging, then the asynchronously written lines are still on stdout', () => {
    // Built output, as the services run it: the flush on exit is pino's, registered at creation.
    const script = `
      const { createLogger } = require(${JSON.stringify(path.join(kitDir, 'dist', 'logger.js'))});
      const logger = createLogger('exit-test');
      for (let i = 0; i < 2000; i += 1) logger.info({ i }, 'line');
      process.exit(0);
    `;
    const stdout = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2000);
    expect(JSON.parse(lines[1999]!)).toMatchObject({ service: 'exit-test', i: 1999, msg: 'line' });
  });
});
