/**
 * OpenTelemetry tracing for one process. `main.ts` imports this module first, so the
 * instrumentations are in place before http, express, undici, mongodb, ioredis and pino are
 * loaded (they patch modules as they are required).
 *
 * Off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): then nothing is loaded beyond the tiny no-op API. Everything
 * else comes from the standard OTEL_* variables, read by tracing-sdk.ts and the exporters:
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (e.g. parentbased_traceidratio
 * and 0.1), OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, http/json), OTEL_BSP_* for
 * batching. These two files are the one place besides config.ts that reads process.env, because
 * they must run before any configuration module is loaded.
 */
import type { TracingSdk } from './tracing-sdk';

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED !== 'true';
}

/** Starts the SDK when an endpoint is configured; returns it (for shutdown) or undefined. */
export function startTracing(defaultServiceName: string, env = process.env): TracingSdk | undefined {
  if (!tracingEnabled(env)) return undefined;
  // Traces only: metrics stay with Prometheus and logs with pino on stdout.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when tracing is on
  const { startTracingSdk } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  started = startTracingSdk(defaultServiceName);
  return started;
}

let started: TracingSdk | undefined;

/** Sends the spans still buffered and stops the SDK; a no-op when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const sdk = started;
  started = undefined;
  await sdk?.shutdown();
}
