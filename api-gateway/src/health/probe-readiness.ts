import { performance } from 'node:perf_hooks';
import { request } from 'undici';

export interface ReadinessProbe {
  ready: boolean;
  latencyMs: number;
  httpStatus?: number;
  error?: string;
}

/** Asks an upstream's GET /ready; anything but a 200 within the timeout counts as not ready. */
export async function probeReadiness(baseUrl: string, timeoutMs: number): Promise<ReadinessProbe> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await request(`${baseUrl}/ready`, {
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await response.body.dump();
    return { ready: response.statusCode === 200, latencyMs: elapsed(), httpStatus: response.statusCode };
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
    return { ready: false, latencyMs: elapsed(), error: reason };
  }
}
