import type { Logger } from 'pino';
import { request } from 'undici';
import type { UpstreamName } from '../proxy/routes';
import type { Upstreams } from '../proxy/upstreams';
import { GATEWAY_RESPONSES, gatewayDocument } from './gateway-document';
import { mergeOpenApi, type ServiceDocument } from './merge-openapi';
import { type OpenApiDocument, openApiDocumentSchema } from './openapi-document';

export interface OpenApiProviderOptions {
  upstreams: Upstreams;
  logger: Logger;
  /** How long a complete document is served from memory. */
  cacheMs: number;
  fetchTimeoutMs: number;
}

// An incomplete document is retried soon, so a service coming back shows up quickly.
const INCOMPLETE_CACHE_MS = 2_000;

async function fetchDocument(baseUrl: string, timeoutMs: number): Promise<OpenApiDocument> {
  const response = await request(`${baseUrl}/openapi.json`, {
    signal: AbortSignal.timeout(timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`GET /openapi.json answered ${response.statusCode}`);
  }
  return openApiDocumentSchema.parse(await response.body.json());
}

export interface OpenApiProvider {
  /** The merged document, from memory while fresh; concurrent callers share one round of fetches. */
  document(): Promise<OpenApiDocument>;
}

/** Fetches every service's document, merges them, and keeps the result briefly. */
export function createOpenApiProvider(options: OpenApiProviderOptions): OpenApiProvider {
  let cached: { document: OpenApiDocument; expiresAt: number } | undefined;
  let inFlight: Promise<OpenApiDocument> | undefined;

  async function build(): Promise<OpenApiDocument> {
    const { upstreams, logger, fetchTimeoutMs } = options;
    const results = await Promise.allSettled(
      upstreams.list().map(async (upstream): Promise<ServiceDocument> => ({
        upstream: upstream.name,
        document: await fetchDocument(await upstream.replicas.next(), fetchTimeoutMs),
      })),
    );
    const services: ServiceDocument[] = [];
    const unavailable: UpstreamName[] = [];
    results.forEach((result, index) => {
      const name = upstreams.list()[index]!.name;
      if (result.status === 'fulfilled') {
        services.push(result.value);
      } else {
        unavailable.push(name);
        logger.warn({ upstream: name, err: result.reason }, 'OpenAPI document unavailable; section left out');
      }
    });
    const document = mergeOpenApi({
      gateway: gatewayDocument(),
      services,
      unavailable,
      gatewayResponses: GATEWAY_RESPONSES,
    });
    const ttl = unavailable.length > 0 ? Math.min(options.cacheMs, INCOMPLETE_CACHE_MS) : options.cacheMs;
    cached = { document, expiresAt: Date.now() + ttl };
    return document;
  }

  return {
    async document() {
      if (cached && cached.expiresAt > Date.now()) return cached.document;
      // Concurrent requests share one round of upstream fetches.
      inFlight ??= build().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
