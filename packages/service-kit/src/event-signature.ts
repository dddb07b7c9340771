import { createHmac, timingSafeEqual } from 'node:crypto';

/** The stream entry fields a signature covers, in this order. */
const SIGNED_FIELDS = ['id', 'type', 'orderId', 'userId', 'occurredAt', 'data'] as const;

/**
 * HMAC-SHA256 of an event's fields, keyed with the internal token both services share, so a
 * consumer acts only on events the producing service wrote, not on anything that reached Redis.
 * The values are JSON-encoded as one array: no field can spill into the next.
 */
export function signEventFields(fields: Record<string, string | undefined>, secret: string): string {
  const values = SIGNED_FIELDS.map((name) => fields[name] ?? null);
  return createHmac('sha256', secret).update(JSON.stringify(values)).digest('base64url');
}

export function hasValidEventSignature(fields: Record<string, string | undefined>, secret: string): boolean {
  const given = Buffer.from(fields.sig ?? '');
  const expected = Buffer.from(signEventFields(fields, secret));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
