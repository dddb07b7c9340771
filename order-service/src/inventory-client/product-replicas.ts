import { Pool, type Dispatcher } from 'undici';

export interface ProductReplicasOptions {
  baseUrls: string[];
  timeoutMs: number;
  /** Upper bound of keep-alive sockets per replica. */
  connections: number;
  /** How long a replica that failed a connection is tried only after the others. */
  setAsideMs?: number;
}

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { path: string };

// The connection failed or broke before an answer: a replica that is gone or draining. Every
// call to product-service is idempotent by the order id, so the next replica may be asked.
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export function isConnectionFailure(error: unknown): boolean {
  return CONNECTION_FAILURES.has((error as { code?: string }).code ?? '');
}

/**
 * Every product-service replica, a keep-alive pool each. A request goes to the replicas in turn;
 * one whose connection fails moves on to the next (within the caller's one deadline), and the
 * failed replica is asked last for a while, so a dead one costs one refused connect, not one per
 * request.
 */
export function createProductReplicas(options: ProductReplicasOptions) {
  const replicas = options.baseUrls.map((baseUrl) => {
    const url = new URL(baseUrl);
    return {
      pool: new Pool(url.origin, {
        connections: options.connections,
        connect: { timeout: options.timeoutMs },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      }),
      basePath: url.pathname.replace(/\/+$/, ''),
      setAsideUntil: 0,
    };
  });
  let turn = 0;

  return {
    /**
     * Rejects when no replica answered: with the error of one that may have read the request (a
     * broken connection) if there was one, so the caller knows the outcome is unknown; else with
     * the last refusal.
     */
    async request(request: RequestOptions): Promise<Dispatcher.ResponseData> {
      const now = Date.now();
      const start = turn++ % replicas.length;
      const inTurn = [...replicas.slice(start), ...replicas.slice(0, start)];
      const order = [
        ...inTurn.filter((replica) => replica.setAsideUntil <= now),
        ...inTurn.filter((replica) => replica.setAsideUntil > now),
      ];
      let lastError: unknown;
      let mayHaveReached: unknown;
      for (const replica of order) {
        try {
          return await replica.pool.request({ ...request, path: `${replica.basePath}${request.path}` });
        } catch (error) {
          if (!isConnectionFailure(error)) throw error;
          replica.setAsideUntil = Date.now() + (options.setAsideMs ?? 2_000);
          lastError = error;
          if ((error as { code?: string }).code !== 'ECONNREFUSED') mayHaveReached ??= error;
        }
      }
      throw mayHaveReached ?? lastError;
    },

    close(): Promise<unknown> {
      return Promise.all(replicas.map((replica) => replica.pool.close()));
    },
  };
}

export type ProductReplicas = ReturnType<typeof createProductReplicas>;
