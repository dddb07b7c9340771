import { performance } from 'node:perf_hooks';
import { request } from 'undici';

export interface CallOptions {
  token?: string;
  /** Sent as JSON unless it is already a string or Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (every answer of this API is JSON); tests read what they need. */
  body: any;
  text: string;
  ms: number;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const response = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers,
    body,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const text = await response.body.text();
  const ms = performance.now() - started;
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: parsed, text, ms };
}

/** A JSON error in the shape every component uses. */
export function isErrorShape(body: unknown, status: number): boolean {
  const value = body as Record<string, unknown> | undefined;
  return (
    typeof value?.error === 'string' &&
    value.status === status &&
    typeof value.timestamp === 'string' &&
    typeof value.requestId === 'string'
  );
}
