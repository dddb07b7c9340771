/**
 * `npm start` itself: stopped through npm's pid by SIGTERM and by SIGINT, and a crashed service is
 * restarted while the rest keep serving. Runs next to a developer's `npm start` (PORT_OFFSET) with
 * throw-away data.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../support/http';
import { NpmStart } from '../support/npm-start';
import { buildAll } from '../support/stack';

const STOP_LIMIT_MS = 10_000;

beforeAll(async () => {
  await buildAll();
}, 180_000);

describe.each(['SIGTERM', 'SIGINT'] as const)('npm start, then %s to the pid of npm', (signal) => {
  let stack: NpmStart | undefined;
  afterAll(async () => await stack?.stop(), 30_000);

  it('stops npm and every process it started within 10 s, leaving every port free', async () => {
    stack = await NpmStart.start();
    expect((await call(stack.url(8080), 'GET', '/health')).status).toBe(200);

    const ms = await stack.signalAndWait(signal, STOP_LIMIT_MS);

    expect(ms).toBeLessThan(STOP_LIMIT_MS);
    expect(stack.output.join('\n')).toContain(`[start] ${signal}: stopping every process`);
  }, 150_000);
});

describe('npm start, when a service crashes', () => {
  let stack: NpmStart;
  let token: string;

  beforeAll(async () => {
    // The probes below open the gateway's circuit for the killed service; a short reset keeps the
    // wait for "it comes back" about the restart, not the breaker's default 10 s.
    stack = await NpmStart.start({ CIRCUIT_RESET_MS: '1000' });
    const login = await call(stack.url(3010), 'POST', '/api/auth/login', {
      body: { email: 'admin@example.com', password: 'admin-dev-password' },
    });
    token = login.body.accessToken;
    expect(token).toBeTruthy();
  }, 150_000);
  afterAll(async () => await stack?.stop(), 30_000);

  // What each service's outage looks like through the gateway that stays up (:3010).
  const probes = {
    user: () => call(stack.url(3010), 'GET', '/api/auth/profile', { token }),
    product: () => call(stack.url(3010), 'GET', '/api/products'),
    order: () => call(stack.url(3010), 'GET', '/api/orders', { token }),
  };
  const mains = {
    user: 'user-service/dist/main.js',
    product: 'product-service/dist/main.js',
    order: 'order-service/dist/main.js',
  };
  const servicePorts = { user: 3001, product: 3002, order: 3003 };

  const secondPorts = { user: 3011, product: 3012, order: 3013 };

  /** Waits until a new process serves `basePort` and answers /ready with 200. */
  async function backOn(name: keyof typeof mains, basePort: number, killed: number): Promise<void> {
    await vi.waitFor(
      async () => {
        const pid = stack.pidOnPort(mains[name], basePort);
        expect(pid !== undefined && pid !== killed).toBe(true);
        expect((await call(stack.url(basePort), 'GET', '/ready')).status).toBe(200);
      },
      { timeout: 30_000, interval: 250 },
    );
  }

  it.each(['user', 'product', 'order'] as const)(
    'when one %s-service replica is killed, then the gateway keeps answering for it through the other, and the killed one comes back',
    async (name) => {
      const pid = stack.pidOnPort(mains[name], servicePorts[name])!;
      expect(pid).toBeDefined();
      process.kill(pid, 'SIGKILL');

      for (let i = 0; i < 20; i += 1) {
        for (const probe of Object.values(probes)) expect((await probe()).status).toBe(200);
      }

      await backOn(name, servicePorts[name], pid);
      expect(stack.output.join('\n')).toMatch(
        new RegExp(`\\[start\\] ${name} was killed \\(SIGKILL\\); restarting it`),
      );
    },
    60_000,
  );

  it('when both product-service replicas are killed, then the gateway answers 503 for it, the others keep answering, and it comes back', async () => {
    const pids = [servicePorts.product, secondPorts.product].map((port) =>
      stack.pidOnPort(mains.product, port),
    );
    expect(pids.every((pid) => pid !== undefined)).toBe(true);
    for (const pid of pids) process.kill(pid!, 'SIGKILL');

    await vi.waitFor(async () => expect((await probes.product()).status).toBe(503), {
      timeout: 5_000,
      interval: 50,
    });
    expect((await probes.user()).status).toBe(200);
    expect((await probes.order()).status).toBe(200);

    await vi.waitFor(async () => expect((await probes.product()).status).toBe(200), {
      timeout: 30_000,
      interval: 250,
    });
    await backOn('product', servicePorts.product, pids[0]!);
    await backOn('product', secondPorts.product, pids[1]!);
  }, 60_000);

  it('when a gateway is killed, then nginx keeps answering through the other one, and it comes back', async () => {
    // Both replicas run the same main: whichever is found first goes.
    const pid = stack.pidOf('api-gateway/dist/main.js')!;
    expect(pid).toBeDefined();
    process.kill(pid, 'SIGKILL');

    for (let i = 0; i < 5; i += 1)
      expect((await call(stack.url(8080), 'GET', '/api/products')).status).toBe(200);

    for (const port of [3000, 3010]) {
      await vi.waitFor(async () => expect((await call(stack.url(port), 'GET', '/ready')).status).toBe(200), {
        timeout: 30_000,
        interval: 250,
      });
    }
    expect(stack.pidOf('api-gateway/dist/main.js')).not.toBe(pid);
    expect(stack.output.join('\n')).toMatch(/\[start\] gateway(-2)? was killed \(SIGKILL\); restarting it/);
  }, 60_000);

  // npm start runs the embedded database only when no MONGODB_URL is given (see NpmStart.start).
  it.skipIf(Boolean(process.env.MONGODB_URL))(
    'when FerretDB is killed, then it comes back on its Unix socket (the stale socket file removed) and orders of the services work',
    async () => {
      const pid = stack.pidOf('--listen-unix=')!;
      expect(pid).toBeDefined();
      process.kill(pid, 'SIGKILL');

      await vi.waitFor(async () => expect((await probes.order()).status).toBe(200), {
        timeout: 30_000,
        interval: 250,
      });
      expect((await probes.product()).status).toBe(200);
      expect(stack.pidOf('--listen-unix=')).not.toBe(pid);
      expect(stack.output.join('\n')).toMatch(/\[start\] mongo was killed \(SIGKILL\); restarting it/);
      expect(stack.output.join('\n')).not.toMatch(/address already in use/);
    },
    60_000,
  );

  it.skipIf(Boolean(process.env.MONGODB_URL))(
    'when PostgreSQL is killed, then it recovers its data and orders of the services work again',
    async () => {
      // The postmaster; its workers rename themselves ("postgres: walwriter" ...).
      const pid = stack.pidOf('/bin/postgres\0-D')!;
      expect(pid).toBeDefined();
      process.kill(pid, 'SIGKILL');

      // A new postmaster, after the supervisor noticed (the old one's backends may linger a moment).
      await vi.waitFor(
        () => {
          expect(stack.output.join('\n')).toMatch(
            /\[start\] postgres (exited \(code \d+\)|was killed \(SIGKILL\)); restarting it/,
          );
          const restarted = stack.pidOf('/bin/postgres\0-D');
          expect(restarted).toBeDefined();
          expect(restarted).not.toBe(pid);
        },
        { timeout: 30_000, interval: 250 },
      );
      await vi.waitFor(async () => expect((await probes.order()).status).toBe(200), {
        timeout: 30_000,
        interval: 250,
      });
      expect((await probes.product()).status).toBe(200);
    },
    60_000,
  );
});

describe('npm start with START_REPLICAS=1', () => {
  let stack: NpmStart | undefined;
  afterAll(async () => await stack?.stop(), 30_000);

  it('runs one process of each service and one gateway behind nginx, and leaves the second replicas’ ports free', async () => {
    stack = await NpmStart.start({ START_REPLICAS: '1' });

    expect((await call(stack.url(8080), 'GET', '/api/products')).status).toBe(200);
    const mains = {
      'api-gateway/dist/main.js': [3000, 3010],
      'user-service/dist/main.js': [3001, 3011],
      'product-service/dist/main.js': [3002, 3012],
      'order-service/dist/main.js': [3003, 3013],
    };
    for (const [main, [first, second]] of Object.entries(mains)) {
      expect(stack.pidOnPort(main, first!), main).toBeDefined();
      expect(stack.pidOnPort(main, second!), main).toBeUndefined();
    }
    expect(stack.output.join('\n')).toContain('(one replica each)');
  }, 150_000);
});
