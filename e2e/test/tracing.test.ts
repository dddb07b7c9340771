/**
 * Distributed tracing end to end: the real processes export to an OTLP/HTTP receiver of the
 * test's own. Placing an order through nginx yields one trace with the gateway, order-service and
 * product-service (the reservation) in the right parent/child order, and the order-events
 * consumer's span joins it through the `events:orders` stream entry.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { ADMIN, buildAll, Stack } from '../support/stack';

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

let stack: Stack;
const receiver = new OtlpReceiver();
let customerToken: string;
let productId: string;

beforeAll(async () => {
  await buildAll();
  await receiver.start();
  stack = await Stack.start({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  const admin = (await call(stack.entry, 'POST', '/api/auth/login', { body: ADMIN })).body.accessToken;
  const category = `Traced-${Date.now()}`;
  await call(stack.entry, 'POST', '/api/categories', { token: admin, body: { name: category } });
  const product = await call(stack.entry, 'POST', '/api/products', {
    token: admin,
    body: { name: 'Traced mug', price: 3, category, stock: 50 },
  });
  productId = product.body.id;
  const email = `traced.${Date.now()}@example.com`;
  const registered = await call(stack.entry, 'POST', '/api/auth/register', {
    body: { email, password: 'correct horse battery', name: 'Tracy' },
  });
  customerToken = registered.body.accessToken;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
}, 60_000);

/** The chain of spans from `span` up to the root, by parent links. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain = [span];
  let current = span;
  while (current.parentSpanId && byId.has(current.parentSpanId)) {
    current = byId.get(current.parentSpanId)!;
    chain.push(current);
  }
  return chain;
}

/** A caller-chosen trace: nginx passes `traceparent` on, so the whole request joins it. */
function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

describe('an order placed through nginx', () => {
  let trace: { traceId: string; spanId: string };
  let orderId: string;

  beforeAll(async () => {
    const parent = traceparent();
    trace = parent;
    const placed = await call(stack.entry, 'POST', '/api/orders', {
      token: customerToken,
      headers: { traceparent: parent.header },
      body: { items: [{ productId, quantity: 1 }] },
    });
    expect(placed.status).toBe(201);
    orderId = placed.body.id;
  });

  it('is one trace: gateway → order-service → product-service reservation, with parent links', async () => {
    const isReservation = (s: ReceivedSpan) =>
      s.service === 'product-service' &&
      s.kind === SERVER &&
      s.traceId === trace.traceId &&
      /POST/.test(s.name);
    const server = (service: string) => (s: ReceivedSpan) =>
      s.service === service && s.kind === SERVER && s.traceId === trace.traceId;
    // Spans arrive in batches, a server span after its children: wait for all three.
    await receiver.waitFor(
      (spans) =>
        spans.some(isReservation) && spans.some(server('order-service')) && spans.some(server('api-gateway')),
    );
    const spans = receiver.trace(trace.traceId);

    const gatewayServer = spans.find((s) => s.service === 'api-gateway' && s.kind === SERVER);
    expect(gatewayServer, JSON.stringify(spans, null, 1)).toBeDefined();
    // The caller's span (nginx passed the header through) is the gateway's parent.
    expect(gatewayServer!.parentSpanId).toBe(trace.spanId);

    const orderServer = spans.find((s) => s.service === 'order-service' && s.kind === SERVER);
    expect(orderServer).toBeDefined();
    const reservation = spans.find(isReservation)!;
    expect(reservation.attributes['http.route'] ?? reservation.name).toMatch(/reservations/);

    // Reservation (product SERVER) ← order-service's undici CLIENT ← order-service SERVER ← ... ←
    // gateway's proxy CLIENT ← gateway SERVER.
    const chain = ancestry(spans, reservation);
    const steps = chain.map((s) => `${s.service}:${s.kind}`);
    expect(chain[1]).toMatchObject({ service: 'order-service', kind: CLIENT });
    expect(chain).toContain(orderServer);
    expect(chain).toContain(gatewayServer);
    const orderAt = chain.indexOf(orderServer!);
    expect(chain[orderAt + 1], steps.join(' < ')).toMatchObject({ service: 'api-gateway', kind: CLIENT });
    expect(chain.at(-1)).toBe(gatewayServer);
  });

  it('is joined by the product-service consumer of the order.created stream entry', async () => {
    const isConsumer = (s: ReceivedSpan) =>
      s.service === 'product-service' && s.kind === CONSUMER && s.traceId === trace.traceId;
    await receiver.waitFor((spans) => spans.some(isConsumer));
    const spans = receiver.trace(trace.traceId);
    const consumer = spans.find(isConsumer)!;
    expect(consumer.attributes['messaging.message.conversation_id'] ?? consumer.attributes['order.id']).toBe(
      orderId,
    );
    // Its parent is a span of the order-service request that created the event.
    const chain = ancestry(spans, consumer);
    expect(chain[1]?.service).toBe('order-service');
    expect(chain.at(-1)?.service).toBe('api-gateway');
  });

  it('writes trace_id and span_id on the log lines of the traced request', async () => {
    const lines = stack
      .process('order')
      .output.filter((line) => line.includes(trace.traceId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => typeof line.span_id === 'string' && line.trace_id === trace.traceId)).toBe(
      true,
    );
  });
});

describe('an error answer', () => {
  it('keeps its requestId and carries the traceId', async () => {
    const parent = traceparent();
    const res = await call(stack.entry, 'GET', '/api/products/000000000000000000000000', {
      headers: { traceparent: parent.header, 'x-request-id': `trace-err-${parent.spanId}` },
    });
    expect(res.status).toBe(404);
    expect(res.body.requestId).toBe(`trace-err-${parent.spanId}`);
    expect(res.body.traceId).toBe(parent.traceId);
  });
});
