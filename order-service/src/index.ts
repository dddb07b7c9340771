/** The package's public entry: the composition root and the config it is built from. */
export { createOrderService, type OrderServiceOptions, type OrderService } from './service';
export { loadOrderServiceConfig, type OrderServiceConfig } from './config';
export type { OrderServiceSettings } from './settings';
