/** The package's public entry: the composition root and the config it is built from. */
export { createGateway, type Gateway, type GatewayOptions } from './gateway';
export { loadGatewayConfig, type GatewayConfig } from './config';
export type { LookupAll } from './proxy/replica-targets';
