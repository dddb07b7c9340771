import { describe, expect, it } from 'vitest';
import { activeTraceId, currentTraceparent, inConsumerSpan } from '../src/trace-context';
import { startTracing, tracingEnabled } from '../src/tracing';

describe('tracing switch', () => {
  it('is off unless an OTLP endpoint is set, and off again when the SDK is disabled', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(
      true,
    );
    expect(
      tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
  });

  it('when off, starts nothing and leaves no trace context behind', async () => {
    const env: NodeJS.ProcessEnv = {};
    expect(startTracing('test-service', env)).toBeUndefined();
    expect(env).toEqual({});
    expect(currentTraceparent()).toBeUndefined();
    expect(activeTraceId()).toBeUndefined();
    await expect(
      inConsumerSpan(
        'process x',
        '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        {},
        async () => 7,
      ),
    ).resolves.toBe(7);
  });
});
