import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createApiGateway,
  type ApiGateway,
  type ApiGatewayOptions,
  loadGatewayConfig,
} from '@ecom/api-gateway';
import { listen, type Logger } from '@ecom/service-kit';
import { redisUrl, uniqueName } from '@ecom/test-support';
import type { Express } from 'express';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { StubUpstream } from './stub-upstream';
import { testKeys } from './tokens';

export interface TestGateway extends ApiGateway {
  /** Prometheus text of this gateway's registry. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A gateway built by its composition root against the test Redis, not listening (supertest drives
 * its app). Each gets its own rate-limit key prefix unless one is given, so tests never share
 * counters by accident.
 */
export async function createTestGateway(
  env: Record<string, string | undefined> = {},
  options: ApiGatewayOptions = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    REDIS_URL: redisUrl(),
    RATE_LIMIT_KEY_PREFIX: `${uniqueName('rl')}:`,
    JWT_PUBLIC_KEYS: testKeys.publicKeys,
    ...env,
  });
  const gateway = await createApiGateway(config, options);
  return { ...gateway, metricsText: () => gateway.metrics.registry.metrics(), close: gateway.stop };
}

export interface StubSet {
  user: StubUpstream;
  product: StubUpstream;
  order: StubUpstream;
  env: Record<string, string>;
  stopAll(): Promise<void>;
}

/** Three stub services, plus the env pointing a gateway at them. */
export async function startStubs(): Promise<StubSet> {
  const [user, product, order] = await Promise.all([
    StubUpstream.start(),
    StubUpstream.start(),
    StubUpstream.start(),
  ]);
  return {
    user: user!,
    product: product!,
    order: order!,
    env: {
      USER_SERVICE_URL: user!.url,
      PRODUCT_SERVICE_URL: product!.url,
      ORDER_SERVICE_URL: order!.url,
    },
    stopAll: async () => {
      await Promise.all([user!.stop(), product!.stop(), order!.stop()]);
    },
  };
}

/**
 * The set-up most gateway suites share: three stub services for the whole file, and gateways made
 * per test with `gatewayWith` (closed after each). With `sharedGateway`, one gateway on the stubs'
 * defaults serves the whole file too, and every test starts with the stubs' request logs empty.
 * `stubs` and `gateway` are there once the file's beforeAll has run.
 */
export function stubbedGateways(options: { sharedGateway?: boolean } = {}) {
  const opened: TestGateway[] = [];
  const suite = {
    stubs: undefined as unknown as StubSet,
    gateway: undefined as unknown as TestGateway,
    async gatewayWith(env: Record<string, string> = {}, gatewayOptions: ApiGatewayOptions = {}) {
      const gateway = await createTestGateway({ ...suite.stubs.env, ...env }, gatewayOptions);
      opened.push(gateway);
      return gateway;
    },
  };
  beforeAll(async () => {
    suite.stubs = await startStubs();
    if (options.sharedGateway) suite.gateway = await createTestGateway(suite.stubs.env);
  });
  beforeEach(() => {
    if (!options.sharedGateway) return;
    for (const stub of [suite.stubs.user, suite.stubs.product, suite.stubs.order]) stub.received.length = 0;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((gateway) => gateway.close()));
  });
  afterAll(async () => {
    await suite.gateway?.close();
    await suite.stubs?.stopAll();
  });
  return suite;
}

/** A pino logger whose lines (parsed) end up in `lines`, for asserting what was logged. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'info' }, stream), lines };
}

/**
 * A URL where nothing listens: connections are refused at once. A privileged port, not a free one
 * found and let go: another test of the parallel run could take that one (CI saw it answer 200).
 * Port 2 is also outside fetch's blocked ports, so every client sees ECONNREFUSED.
 */
export async function deadUrl(): Promise<string> {
  return 'http://127.0.0.1:2';
}

export async function listenOnFreePort(app: Express): Promise<{ server: Server; url: string }> {
  const server = await listen(app, 0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
