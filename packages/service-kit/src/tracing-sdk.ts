/**
 * The OpenTelemetry trace SDK as this project uses it: spans from the instrumentations below,
 * batched and sent over OTLP/HTTP. Loaded by tracing.ts only when tracing is on.
 *
 * Built from the trace SDK's parts rather than @opentelemetry/sdk-node, which brings every exporter
 * (gRPC, Zipkin, Prometheus, metrics and logs) and its protobuf/gRPC stacks into every install. The
 * part of its job that remains is reading the standard variables the trace SDK itself no longer
 * reads: OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_* and the OTLP protocol (the exporters read the rest).
 */
import type { IncomingMessage } from 'node:http';
import { context, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  getNumberFromEnv,
  getStringFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  detectResources,
  hostDetector,
  processDetector,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const QUIET_PATHS = /^\/(health|ready|metrics)(\?|$)/;

export interface TracingSdk {
  shutdown(): Promise<void>;
}

/** OTEL_TRACES_SAMPLER as the specification defines it; parentbased_always_on by default. */
function samplerFromEnv(): Sampler {
  const name = getStringFromEnv('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const ratio = () => new TraceIdRatioBasedSampler(getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG') ?? 1);
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    default:
      if (name !== 'parentbased_always_on') diag.warn(`OTEL_TRACES_SAMPLER=${name} is not supported`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** OTLP over HTTP, protobuf unless OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says http/json. */
function exporterFromEnv() {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'http/json') return new JsonExporter();
  if (protocol !== 'http/protobuf')
    diag.warn(`OTLP protocol ${protocol} is not supported; using http/protobuf`);
  return new ProtobufExporter();
}

export function startTracingSdk(defaultServiceName: string): TracingSdk {
  const provider = new TracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
    resource: resourceFromAttributes({ 'service.name': defaultServiceName }).merge(
      detectResources({
        detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector, processDetector, hostDetector],
      }),
    ),
    sampler: samplerFromEnv(),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: exporterFromEnv(),
        scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
        maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
        maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
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

  return {
    async shutdown() {
      disableInstrumentations();
      await provider.shutdown();
    },
  };
}
