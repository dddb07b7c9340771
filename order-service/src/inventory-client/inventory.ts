import { closeWhenReady, readinessProbe } from '@ecom/service-kit';
import CircuitBreaker from 'opossum';
import { CIRCUIT_STATE, type OrderMetrics } from '../metrics';
import { InventoryRejection, InventoryUnavailable } from './inventory-client-errors';
import { createProductHttpClient, type ProductHttpClientOptions, type ReservationLine } from './http-client';

export interface BreakerOptions {
  /** How long the circuit stays open before one trial call. */
  resetTimeoutMs?: number;
  /** Calls in the rolling window before the failure rate may open the circuit. */
  volumeThreshold?: number;
  errorThresholdPercentage?: number;
  /** While open, product-service's /ready is polled this often; its first 200 closes the circuit. */
  recoveryProbeMs?: number;
}

export type Inventory = ReturnType<typeof createInventory>;

/**
 * product-service as the order flow sees it: reservations go through a circuit breaker so an
 * outage costs callers nothing but a quick 503; releases (background work) go straight through.
 */
export function createInventory(
  options: ProductHttpClientOptions & { breaker?: BreakerOptions },
  metrics: Pick<OrderMetrics, 'circuitState'>,
) {
  const client = createProductHttpClient(options);
  const resetTimeoutMs = options.breaker?.resetTimeoutMs ?? 5_000;
  const breaker = new CircuitBreaker(
    (orderId: string, lines: ReservationLine[]) => client.reserve(orderId, lines),
    {
      name: 'product-service-reservations',
      // The HTTP client enforces its own deadline and aborts the request; no second timer here.
      timeout: false,
      resetTimeout: resetTimeoutMs,
      rollingCountTimeout: 10_000,
      volumeThreshold: options.breaker?.volumeThreshold ?? 10,
      errorThresholdPercentage: options.breaker?.errorThresholdPercentage ?? 50,
      // Out of stock or unknown product is product-service working as intended.
      errorFilter: (error: unknown) => error instanceof InventoryRejection,
    },
  );
  metrics.circuitState.set(CIRCUIT_STATE.closed);
  breaker.on('open', () => metrics.circuitState.set(CIRCUIT_STATE.open));
  breaker.on('halfOpen', () => metrics.circuitState.set(CIRCUIT_STATE.halfOpen));
  breaker.on('close', () => metrics.circuitState.set(CIRCUIT_STATE.closed));
  // A restarted product-service takes orders again as soon as one replica is ready, not a reset
  // time later.
  const probes = options.baseUrls.map((baseUrl) => readinessProbe(baseUrl, options.timeoutMs));
  closeWhenReady(breaker, {
    isReady: async () => (await Promise.all(probes.map((probe) => probe()))).includes(true),
    intervalMs: options.breaker?.recoveryProbeMs ?? 250,
  });

  return {
    async reserve(orderId: string, lines: ReservationLine[]) {
      try {
        return await breaker.fire(orderId, lines);
      } catch (error) {
        if ((error as { code?: string }).code === 'EOPENBREAKER') {
          throw new InventoryUnavailable('circuit open: product-service is failing', {
            outcomeUnknown: false,
            circuitOpen: true,
            cause: error,
          });
        }
        throw error;
      }
    },
    release: (orderId: string) => client.release(orderId),
    /** What to put in Retry-After: when the breaker will next let a call through, at least 1 s. */
    retryAfterSeconds: () => Math.max(1, Math.ceil(resetTimeoutMs / 1_000)),
    get circuitOpen() {
      return breaker.opened;
    },
    async close() {
      breaker.shutdown();
      await client.close();
    },
  };
}
