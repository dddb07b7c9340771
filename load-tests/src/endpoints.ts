/** Endpoint groups of the weighted mix, and the endpoints recorded under each. */
export const GROUPS = ['registration', 'browsing', 'orders', 'health'] as const;
export type Group = (typeof GROUPS)[number];

export const ENDPOINTS = {
  register: { group: 'registration', label: 'POST /api/auth/register', expected: [201] },
  'browse.list': { group: 'browsing', label: 'GET /api/products (list)', expected: [200] },
  'browse.filter': { group: 'browsing', label: 'GET /api/products (filter)', expected: [200] },
  'browse.search': { group: 'browsing', label: 'GET /api/products?q= (search)', expected: [200] },
  'browse.detail': { group: 'browsing', label: 'GET /api/products/:id', expected: [200] },
  'browse.categories': { group: 'browsing', label: 'GET /api/categories', expected: [200] },
  'orders.login': { group: 'orders', label: 'POST /api/auth/login', expected: [200] },
  'orders.create': { group: 'orders', label: 'POST /api/orders', expected: [201], stockout409: true },
  health: { group: 'health', label: 'GET /health', expected: [200] },
} as const satisfies Record<
  string,
  { group: Group; label: string; expected: readonly number[]; stockout409?: boolean }
>;

export type EndpointName = keyof typeof ENDPOINTS;
export const ENDPOINT_NAMES = Object.keys(ENDPOINTS) as EndpointName[];

/** Weights of the mix, from the design card: registration 30, browsing 40, orders 20, health 10. */
export const MIX_WEIGHTS: Record<Group, number> = { registration: 30, browsing: 40, orders: 20, health: 10 };

/**
 * ok: an expected status. stockout: 409 on order creation. rate_limited: 429.
 * failed: any other status, or no response at all (status 0).
 */
export type Outcome = 'ok' | 'stockout' | 'rate_limited' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['ok', 'stockout', 'rate_limited', 'failed'];

export function classify(endpoint: EndpointName, status: number): Outcome {
  const spec: { expected: readonly number[]; stockout409?: boolean } = ENDPOINTS[endpoint];
  if (spec.expected.includes(status)) return 'ok';
  if (status === 409 && spec.stockout409) return 'stockout';
  if (status === 429) return 'rate_limited';
  return 'failed';
}
