import { request } from 'undici';
import { GATEWAY_URL, NGINX_URL } from './args';

/** Status of GET <baseUrl>/health, or 0 when nothing answers within two seconds. */
export async function healthStatus(baseUrl: string): Promise<number> {
  try {
    const response = await request(`${baseUrl}/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return 0;
  }
}

/** What `npm start` serves: nginx in front of two gateways when nginx is installed, else one gateway. */
export async function detectEntryPoint(): Promise<string> {
  return (await healthStatus(NGINX_URL)) === 200 ? NGINX_URL : GATEWAY_URL;
}
