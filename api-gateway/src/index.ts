/** The package's public entry: the composition root and the config it is built from. */
export { createApiGateway, type ApiGateway, type ApiGatewayOptions } from './service';
export { loadGatewayConfig, type GatewayConfig } from './config';
export type { LookupAll } from './proxy/replica-targets';
