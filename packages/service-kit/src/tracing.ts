/**
 * OpenTelemetry tracing for one process. `main.ts` imports this module first, so the
 * instrumentations are in place before http, express, undici, mongodb, ioredis and pino are
 * loaded (they patch modules as they are required).
 *
 * Off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): then nothing is loaded beyond the tiny no-op API. Everything
 * else comes from the standard OTEL_* variables, read by the SDK itself: OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (e.g. parentbased_traceidratio and 0.1),
 * OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, http/json), OTEL_BSP_* for batching.
 * This is the one place besides config.ts that reads process.env, because it must run before any
 * configuration module is loaded.
 */
import type { IncomingMessage } from 'node:http';
import type { NodeSDK } from '@opentelemetry/sdk-node';

const QUIET_PATHS = /^\/(health|ready|metrics)(\?|$)/;

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED !== 'true';
}

/** Starts the SDK when an endpoint is configured; returns it (for shutdown) or undefined. */
export function startTracing(defaultServiceName: string, env = process.env): NodeSDK | undefined {
  if (!tracingEnabled(env)) return undefined;
  // Traces only: metrics stay with Prometheus and logs with pino on stdout, unless asked for.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_SERVICE_NAME ??= defaultServiceName;

  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { MongoDBInstrumentation } =
    require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { PinoInstrumentation } =
    require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sdk = new Sdk({
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would be most of the traces and tell nothing.
        ignoreIncomingRequestHook: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? ''),
      }),
      // Route handlers only (the server span still gets the route): a span per middleware
      // (helmet, cors, ...) or router costs more than it tells.
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
      new UndiciInstrumentation(),
      // Background loops (outbox sweep, stream reads) would start a trace per poll otherwise.
      new MongoDBInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      // trace_id / span_id on every log line written inside a span; logs stay on stdout.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  started = sdk;
  return sdk;
}

let started: NodeSDK | undefined;

/** Sends the spans still buffered and stops the SDK; a no-op when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const sdk = started;
  started = undefined;
  await sdk?.shutdown();
}
