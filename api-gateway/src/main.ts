import {
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  handleSignals,
  Lifecycle,
  listen,
  runMain,
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
  const server = await listen(app, config.PORT, config.HOST);
  logger.info(
    {
      port: config.PORT,
      upstreams: Object.fromEntries(upstreams.list().map((upstream) => [upstream.name, upstream.baseUrl])),
      trustProxyHops: config.TRUST_PROXY_HOPS,
    },
    'api-gateway listening',
  );

  handleSignals({
    server,
    lifecycle,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    // Redis last: in-flight requests may still count against the rate limits until the end. If
    // Redis is already gone (the whole stack stopping), there is nothing left to close politely.
    closers: [() => upstreams.close(), () => (redis.status === 'ready' ? redis.quit() : redis.disconnect())],
  });
});
