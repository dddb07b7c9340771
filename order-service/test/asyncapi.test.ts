/**
 * docs/asyncapi.json against what order-service really publishes: the entries a placed, confirmed
 * and cancelled order leave on the stream are validated (ajv) against the document's messages, and
 * each `data` against the payload schema its message names.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ORDER_EVENT_TYPES, ORDERS_STREAM } from '@ecom/service-kit';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { eventually, type Harness, streamEntries, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

type Ref = { $ref: string };
type AsyncApiDocument = {
  channels: Record<string, { address: string; messages: Record<string, Ref> }>;
  components: {
    messages: Record<string, { name: string; payload: Ref }>;
    schemas: Record<string, { allOf?: Array<{ properties?: { data?: { 'x-json-schema'?: Ref } } }> }>;
  };
};

const DOCUMENT_ID = 'asyncapi.json';
const document = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../docs/asyncapi.json'), 'utf8'),
) as AsyncApiDocument;

// `multipleOf: 0.01` on amounts: 59.98 / 0.01 is not an integer in floating point.
const ajv = new Ajv({ allErrors: true, multipleOfPrecision: 9 });
// The document itself is not a schema: its `components` are reached by `$ref` only.
ajv.addKeyword('components');
// Names the schema of the JSON text in `data`; checked below, not by ajv.
ajv.addKeyword('x-json-schema');
ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });

const schemaAt = (ref: string) => {
  const validate = ajv.getSchema(`${DOCUMENT_ID}${ref}`);
  if (!validate) throw new Error(`no schema at ${ref}`);
  return validate;
};

/** The message of an event type, and the schemas of its entry and of its `data`. */
function messageFor(type: string) {
  const message = Object.values(document.components.messages).find((candidate) => candidate.name === type);
  if (!message) throw new Error(`no message named ${type}`);
  const entryRef = message.payload.$ref;
  const entrySchema = document.components.schemas[entryRef.split('/').pop()!];
  const dataRef = entrySchema?.allOf?.find((part) => part.properties?.data)?.properties?.data?.[
    'x-json-schema'
  ]?.$ref;
  if (!dataRef) throw new Error(`${type} names no schema for data`);
  return { entry: schemaAt(entryRef), data: schemaAt(dataRef) };
}

/** ajv's errors for one entry and its `data`; [] when both match the document. */
function violations(entry: Record<string, string>): string[] {
  const { entry: validateEntry, data: validateData } = messageFor(entry.type!);
  const errors: string[] = [];
  if (!validateEntry(entry)) errors.push(...ajv.errorsText(validateEntry.errors).split(', '));
  if (!validateData(JSON.parse(entry.data ?? 'null')))
    errors.push(...ajv.errorsText(validateData.errors, { dataVar: 'data' }).split(', '));
  return errors;
}

let stub: ProductStub;
let orders: Harness;
useStubbedOrderService((started) => ({ stub, orders } = started));

async function placeOrder(owner = tokenFor()) {
  const product = stub.addProduct(10, 29.99);
  const response = await orders.http
    .post('/orders')
    .set('Authorization', owner.auth)
    .send({ items: [{ productId: product, quantity: 2 }] });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

const setStatus = (orderId: string, auth: string, status: string) =>
  orders.http.put(`/orders/${orderId}/status`).set('Authorization', auth).send({ status }).expect(200);

const eventsOf = async (orderIds: string[]) =>
  (await streamEntries(orders.redis, orders.stream)).filter((entry) => orderIds.includes(entry.orderId!));

describe('the AsyncAPI document of the order events (docs/asyncapi.json)', () => {
  it('describes the stream and exactly the event types of the contract in code', () => {
    const channels = Object.values(document.channels);
    expect(channels.map((channel) => channel.address)).toEqual([ORDERS_STREAM]);
    const names = Object.values(document.components.messages).map((message) => message.name);
    expect(names.toSorted()).toEqual([...ORDER_EVENT_TYPES].toSorted());
  });

  it('when orders are placed, confirmed and cancelled, then every event published matches its message', async () => {
    const owner = tokenFor();
    const admin = tokenFor('admin');
    const cancelledByOwner = await placeOrder(owner);
    await setStatus(cancelledByOwner, owner.auth, 'cancelled');
    const confirmedThenCancelled = await placeOrder(owner);
    await setStatus(confirmedThenCancelled, admin.auth, 'confirmed');
    await setStatus(confirmedThenCancelled, admin.auth, 'cancelled');
    const ids = [cancelledByOwner, confirmedThenCancelled];

    await eventually(async () => (await eventsOf(ids)).length === 7);

    const events = await eventsOf(ids);
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(ORDER_EVENT_TYPES));
    for (const event of events)
      expect({ type: event.type, errors: violations(event) }).toEqual({
        type: event.type,
        errors: [],
      });
  });

  it('when an entry strays from the document, then the check reports it', async () => {
    const owner = tokenFor();
    const orderId = await placeOrder(owner);
    await eventually(async () => (await eventsOf([orderId])).length === 1);
    const [created] = await eventsOf([orderId]);
    const data = JSON.parse(created!.data!);

    const { userId: _dropped, ...withoutUser } = created!;
    expect(violations(withoutUser)).toEqual([
      expect.stringContaining("must have required property 'userId'"),
    ]);
    expect(violations({ ...created!, extra: 'x' })).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    expect(violations({ ...created!, data: JSON.stringify({ ...data, totalAmount: '59.98' }) })).toEqual([
      expect.stringContaining('data/totalAmount must be number'),
    ]);
  });
});
