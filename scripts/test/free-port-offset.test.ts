/**
 * `start-local.mjs --free-port-offset`, which the test suites use to run a stack of their own next to
 * a developer's `npm start`.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '..', 'start-local.mjs');
const STACK_PORTS = [27017, 6379, 3000, 3001, 3002, 3003, 3010, 3011, 3012, 3013, 8080, 8443, 9090];
// What fetch() (Node's and every browser's) refuses to connect to, above 1000.
const FETCH_BLOCKED = [
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697,
  10080,
];

async function freeOffset(): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--free-port-offset']);
  return Number(stdout.trim());
}

describe('npm start --free-port-offset', () => {
  const squatter = net.createServer();

  // Offset 1000, the first candidate, is taken: the next ones are 2000 (nginx on 10080) and 3000
  // (a gateway on 6000), both ports fetch() refuses.
  // (Already in use by another stack is as good.)
  beforeAll(
    () =>
      new Promise<void>((resolve) => {
        squatter.once('error', () => resolve());
        squatter.listen(4000, '127.0.0.1', resolve);
      }),
  );
  afterAll(
    () => new Promise<void>((resolve) => (squatter.listening ? squatter.close(() => resolve()) : resolve())),
  );

  it('when the first offset is taken, then it picks another whose ports fetch() can all reach', async () => {
    const offset = await freeOffset();

    expect(offset).not.toBe(1000);
    const ports = STACK_PORTS.map((port) => port + offset);
    expect(ports.filter((port) => FETCH_BLOCKED.includes(port))).toEqual([]);
    const reachable = await fetch(`http://127.0.0.1:${3000 + offset}/`).catch((error: Error) => error.cause);
    expect(String(reachable)).not.toMatch(/bad port/);
  });
});
