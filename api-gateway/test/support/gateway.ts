import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  listen,
  type Logger,
  type Redis,
  type ServiceMetrics,
} from '@ecom/service-kit';
import { findFreePort, redisUrl, uniqueName } from '@ecom/test-support';
import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../../src/app';
import { type GatewayConfig, loadGatewayConfig } from '../../src/config';
import type { LookupAll } from '../../src/proxy/replica-targets';
import { createUpstreams, type Upstreams } from '../../src/proxy/upstreams';
import { StubUpstream } from './stub-upstream';

export interface TestGateway {
  app: Express;
  config: GatewayConfig;
  metrics: ServiceMetrics;
  redis: Redis;
  upstreams: Upstreams;
  /** Prometheus text of this gateway's registry. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A gateway wired like main.ts does it, against the test Redis. Each gets its own rate-limit key
 * prefix unless one is given, so tests never share counters by accident.
 */
export async function createTestGateway(
  env: Record<string, string | undefined> = {},
  options: { logger?: Logger; lookup?: LookupAll } = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: redisUrl(),
    RATE_LIMIT_KEY_PREFIX: `${uniqueName('rl')}:`,
    ...env,
  });
  const logger = options.logger ?? createLogger('api-gateway', 'silent');
  const metrics = createMetrics('api-gateway');
  const redis = createRedis(config.REDIS_URL, { logger });
  await connectRedis(redis, logger, 3);
  const upstreams = createUpstreams(config, { logger, metrics, lookup: options.lookup });
  const app = createApp({ config, logger, metrics, redis, upstreams });
  return {
    app,
    config,
    metrics,
    redis,
    upstreams,
    metricsText: () => metrics.registry.metrics(),
    async close() {
      upstreams.close();
      redis.disconnect();
    },
  };
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

/** A pino logger whose lines (parsed) end up in `lines`, for asserting what was logged. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A URL where nothing listens: connections are refused at once. */
export async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await findFreePort()}`;
}

export async function listenOnFreePort(app: Express): Promise<{ server: Server; url: string }> {
  const server = await listen(app, 0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
