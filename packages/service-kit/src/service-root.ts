import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { createLifecycle, type Lifecycle } from './health';
import { type Closer, closeInOrder, listen, shutdown } from './lifecycle';
import { createLogger } from './logger';
import { createMetrics, type ServiceMetrics } from './metrics';
import { connectMongo } from './mongo';

/**
 * What every service's composition root returns (`createUserService(config, deps?)` and its
 * siblings): main.ts, the service's own tests and other services' tests all build it this way.
 */
export interface ServiceRoot {
  /** The Express app; usable in-process (supertest) without listening. */
  readonly app: Express;
  readonly logger: Logger;
  /** Background work (loops, consumers), then listen on the configured HOST:PORT. */
  start(): Promise<void>;
  /**
   * Graceful: readiness fails, in-flight requests finish (bounded), background work stops, then the
   * clients close. Also right when start() never ran; a second call waits for the first.
   */
  stop(): Promise<void>;
  /** `http://host:port` once started (PORT=0 listens on a free port). */
  url(): string;
}

/** What a composition root may be handed instead of making its own (tests share or capture them). */
export interface RootOptions {
  logger?: Logger;
  metrics?: ServiceMetrics;
}

/** The logger, metrics and lifecycle every root starts from. */
export interface ServiceBasics {
  service: string;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Shared by the app (readiness) and stop() (fails readiness first). */
  lifecycle: Lifecycle;
}

export function serviceBasics(
  service: string,
  config: { LOG_LEVEL: string },
  options: RootOptions = {},
): ServiceBasics {
  return {
    service,
    logger: options.logger ?? createLogger(service, config.LOG_LEVEL),
    metrics: options.metrics ?? createMetrics(service),
    lifecycle: createLifecycle(),
  };
}

/** The base config fields (baseEnvShape) a root listens and shuts down by. */
export interface ServingConfig {
  PORT: number;
  HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
  SHUTDOWN_DRAIN_DELAY_MS: number;
}

export interface ServiceRootParts extends ServiceBasics {
  app: Express;
  config: ServingConfig;
  /** Starts loops and consumers before listening; returns how to stop them (before the clients close). */
  startBackground?: () => Promise<Closer[]> | Closer[];
  /** Once listening: work that needs the port taken (e.g. a predecessor certainly gone). */
  afterListen?: () => Promise<void>;
  /** Extra fields for the "listening" log line. */
  details?: Record<string, unknown>;
  /** Connections to close, in order, once the server and background work stopped. */
  clients: Closer[];
}

/** The start/stop half of a composition root, the same for every service. */
export function serviceRoot(parts: ServiceRootParts): ServiceRoot {
  const { app, config, logger } = parts;
  let server: Server | undefined;
  let background: Closer[] = [];
  let stopping: Promise<void> | undefined;
  return {
    app,
    logger,
    async start() {
      background = (await parts.startBackground?.()) ?? [];
      server = await listen(app, config.PORT, config.HOST);
      const { port } = server.address() as AddressInfo;
      logger.info({ port, ...parts.details }, `${parts.service} listening`);
      await parts.afterListen?.();
    },
    stop() {
      // Background work stops before the clients close, also when listening never happened.
      const closers = [...background, ...parts.clients];
      stopping ??= server
        ? shutdown({
            server,
            lifecycle: parts.lifecycle,
            logger,
            timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
            drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
            closers,
          })
        : closeInOrder(closers, config.SHUTDOWN_TIMEOUT_MS, logger);
      return stopping;
    },
    url() {
      if (!server) throw new Error(`${parts.service} is not listening: call start() first`);
      return `http://${config.HOST}:${(server.address() as AddressInfo).port}`;
    },
  };
}

export interface MongoStorageConfig {
  MONGODB_URL: string;
  MONGO_POOL_SIZE: number;
}

/** The MongoDB start-up every stateful service shares: connect (with retry), time every command. */
export function openMongoStorage(config: MongoStorageConfig, basics: ServiceBasics): Promise<Connection> {
  return connectMongo(config.MONGODB_URL, {
    poolSize: config.MONGO_POOL_SIZE,
    logger: basics.logger,
    registry: basics.metrics.registry,
  });
}
