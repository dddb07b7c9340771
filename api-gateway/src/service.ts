import {
  closeRedis,
  connectRedis,
  createRedis,
  type Redis,
  type RootOptions,
  serviceBasics,
  type ServiceMetrics,
  type ServiceRoot,
  serviceRoot,
} from '@ecom/service-kit';
import { createApp } from './app';
import type { GatewayConfig } from './config';
import type { LookupAll } from './proxy/replica-targets';
import { createUpstreams, type Upstreams } from './proxy/upstreams';

export interface ApiGatewayOptions extends RootOptions {
  /** How replica addresses are resolved (default DNS); tests answer with loopback addresses. */
  lookup?: LookupAll;
}

export interface ApiGateway extends ServiceRoot {
  config: GatewayConfig;
  metrics: ServiceMetrics;
  redis: Redis;
  upstreams: Upstreams;
}

/** The composition root: connects Redis (the rate-limit counters) and builds the upstreams and app. */
export async function createApiGateway(
  config: GatewayConfig,
  options: ApiGatewayOptions = {},
): Promise<ApiGateway> {
  const basics = serviceBasics('api-gateway', config, options);
  const { logger, metrics, lifecycle } = basics;
  const redis = createRedis(config.REDIS_URL, { logger });
  await connectRedis(redis, logger);

  const upstreams = createUpstreams(config, { logger, metrics, lookup: options.lookup });
  const app = createApp({ config, logger, metrics, redis, upstreams, lifecycle });
  const root = serviceRoot({
    ...basics,
    app,
    config,
    details: {
      upstreams: Object.fromEntries(
        upstreams.list().map((upstream) => [upstream.name, upstream.baseUrls.join(',')]),
      ),
      trustedProxies: config.TRUST_PROXY.join(','),
    },
    // Redis last: in-flight requests may still count against the rate limits until the end.
    clients: [() => upstreams.close(), () => closeRedis(redis)],
  });
  return { ...root, config, metrics, redis, upstreams };
}
