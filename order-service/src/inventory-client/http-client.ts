import { z } from 'zod';
import { InventoryRejection, InventoryUnavailable } from './inventory-client-errors';
import { createProductReplicas } from './product-replicas';

export interface ReservationLine {
  productId: string;
  quantity: number;
}

export interface ReservedItem {
  productId: string;
  name: string;
  /** Decimal amount as product-service sends it, e.g. 29.99. */
  unitPrice: number;
  quantity: number;
}

export interface ProductHttpClientOptions {
  /** One per product-service replica. */
  baseUrls: string[];
  internalToken: string;
  timeoutMs: number;
  /** Upper bound of keep-alive sockets to each product-service replica. */
  connections?: number;
}

const reservationResponse = z.object({
  orderId: z.string(),
  items: z.array(
    z.object({
      productId: z.string(),
      name: z.string().min(1),
      unitPrice: z.number().nonnegative(),
      quantity: z.number().int().positive(),
    }),
  ),
});

const errorResponse = z.object({ error: z.string().optional(), details: z.unknown().optional() });

// Business refusals: product-service decided and reserved nothing.
const REFUSALS = new Set([400, 409, 422]);

/** Not JSON (a proxy's error page): the status alone decides, the body only adds detail. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * product-service lists the products a refusal is about either directly (`details: [...]`) or
 * under `details.items`; entries are objects with a productId or bare productIds. Clients of this
 * service always get an array of objects: `{productId, requested, available}` for stock,
 * `{productId, reason?}` for unknown or inactive products.
 */
export function refusalDetails(details: unknown): Array<Record<string, unknown>> | undefined {
  const list = Array.isArray(details) ? details : (details as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(list)) return undefined;
  return list.map((entry: unknown) =>
    typeof entry === 'string' ? { productId: entry } : (entry as Record<string, unknown>),
  );
}

/** The reservation must cover exactly what we asked for, or we cannot price the order. */
function matchesRequest(items: ReservedItem[], lines: ReservationLine[]): boolean {
  const wanted = new Map(lines.map((line) => [line.productId, line.quantity]));
  return items.length === wanted.size && items.every((item) => wanted.get(item.productId) === item.quantity);
}

export type ProductHttpClient = ReturnType<typeof createProductHttpClient>;

export function createProductHttpClient(options: ProductHttpClientOptions) {
  const replicas = createProductReplicas({
    baseUrls: options.baseUrls,
    timeoutMs: options.timeoutMs,
    connections: options.connections ?? 128,
  });

  async function send(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    try {
      const response = await replicas.request({
        method,
        path,
        headers: { 'content-type': 'application/json', 'x-internal-token': options.internalToken },
        body: body === undefined ? undefined : JSON.stringify(body),
        // One deadline for connect, headers and body together, over every replica tried.
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      return { status: response.statusCode, body: parseJson(await response.body.text()) };
    } catch (error) {
      // A refused connection never reached product-service; anything later might have.
      const refused = (error as { code?: string }).code === 'ECONNREFUSED';
      throw new InventoryUnavailable(`product-service request failed: ${(error as Error).message}`, {
        outcomeUnknown: !refused,
        cause: error,
      });
    }
  }

  return {
    async reserve(orderId: string, lines: ReservationLine[]): Promise<ReservedItem[]> {
      const response = await send('POST', '/inventory/reservations', { orderId, items: lines });
      if (response.status === 200 || response.status === 201) {
        const parsed = reservationResponse.safeParse(response.body);
        if (parsed.success && matchesRequest(parsed.data.items, lines)) return parsed.data.items;
        // Stock was (probably) taken but we cannot use the answer: the caller releases it.
        throw new InventoryUnavailable('product-service sent an unexpected reservation', {
          outcomeUnknown: true,
        });
      }
      if (REFUSALS.has(response.status)) {
        const refusal = errorResponse.safeParse(response.body);
        const message = (refusal.success && refusal.data.error) || 'Reservation refused';
        const details = refusal.success ? refusalDetails(refusal.data.details) : undefined;
        throw new InventoryRejection(response.status, message, details);
      }
      throw new InventoryUnavailable(`product-service answered ${response.status}`, {
        outcomeUnknown: response.status >= 500,
      });
    },

    /**
     * Idempotent on product-service's side. A 404 is not taken as "nothing to release": it may
     * just as well be a wrong PRODUCT_SERVICE_URL, and then retrying is the safe choice.
     */
    async release(orderId: string): Promise<void> {
      const response = await send('DELETE', `/inventory/reservations/${encodeURIComponent(orderId)}`);
      if (response.status === 200 || response.status === 204) return;
      throw new InventoryUnavailable(`product-service answered ${response.status} to a release`, {
        outcomeUnknown: true,
      });
    },

    close: () => replicas.close(),
  };
}
