import { Pool } from 'undici';

export interface HttpResult {
  /** 0 when no response arrived. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  latencyMs: number;
  completedAt: number;
  /** Why no response arrived (connection refused, timeout...). */
  error?: string;
}

export interface SendOptions {
  json?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export function header(result: HttpResult, name: string): string | undefined {
  const value = result.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function parseJson<T = unknown>(result: HttpResult): T | undefined {
  try {
    return JSON.parse(result.body) as T;
  } catch {
    return undefined;
  }
}

/** What a failure looked like, short enough for a report line. */
export function describeFailure(result: HttpResult): string {
  if (result.error) return result.error;
  const body = parseJson<{ error?: unknown }>(result);
  const message = typeof body?.error === 'string' ? body.error : result.body;
  return message.replace(/\s+/g, ' ').slice(0, 200);
}

export interface HttpClientOptions {
  /** Keep-alive connections in the pool: about one per virtual user. */
  connections: number;
  timeoutMs?: number;
}

/**
 * The load engine: one undici keep-alive Pool to the target origin, shared by every virtual user.
 * Latency is measured from sending the request until the whole body has been read.
 */
export class HttpClient {
  readonly pool: Pool;
  readonly origin: string;
  private readonly basePath: string;

  constructor(baseUrl: string, options: HttpClientOptions) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    const timeout = options.timeoutMs ?? 30_000;
    this.pool = new Pool(this.origin, {
      connections: Math.max(1, options.connections),
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout: 5_000 },
    });
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const started = performance.now();
    try {
      const response = await this.pool.request({
        method: method as 'GET',
        path: this.basePath + path,
        headers,
        body,
      });
      const text = await response.body.text();
      const completedAt = performance.now();
      return {
        status: response.statusCode,
        headers: response.headers,
        body: text,
        latencyMs: completedAt - started,
        completedAt,
      };
    } catch (error) {
      const completedAt = performance.now();
      const err = error as Error & { code?: string };
      return {
        status: 0,
        headers: {},
        body: '',
        latencyMs: completedAt - started,
        completedAt,
        error: `${err.code ?? err.name}: ${err.message}`,
      };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
