import { request } from 'node:http';

/**
 * Whether `${baseUrl}/ready` answers 200 within `timeoutMs`. Its own connection each time (no
 * agent): the probe must not take or poison a socket of the upstream's keep-alive pool.
 */
export function readinessProbe(baseUrl: string, timeoutMs: number): () => Promise<boolean> {
  const url = new URL('/ready', baseUrl);
  return () =>
    new Promise((resolve) => {
      const probe = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      probe.on('timeout', () => probe.destroy());
      probe.on('error', () => resolve(false));
      probe.end();
    });
}
