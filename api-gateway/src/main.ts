import './tracing';
import {
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  Lifecycle,
  runMain,
  closeRedis,
  serve,
} from '@ecom/service-kit';
import { createApp } from './app';
import { loadGatewayConfig } from './config';
import { createUpstreams } from './proxy/upstreams';

runMain(async () => {
  const config = loadGatewayConfig();
  const logger = createLogger('api-gateway', config.LOG_LEVEL);
  const metrics = createMetrics('api-gateway');
  const redis = createRedis(config.REDIS_URL, { logger });
  await connectRedis(redis, logger);

  const upstreams = createUpstreams(config, { logger, metrics });
  const lifecycle = new Lifecycle();
  const app = createApp({ config, logger, metrics, redis, upstreams, lifecycle });
  await serve(app, {
    service: 'api-gateway',
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    details: {
      upstreams: Object.fromEntries(upstreams.list().map((upstream) => [upstream.name, upstream.baseUrl])),
      trustedProxies: config.TRUST_PROXY.join(','),
    },
    // Redis last: in-flight requests may still count against the rate limits until the end.
    closers: [() => upstreams.close(), () => closeRedis(redis)],
  });
});
