/** The package's public entry: the composition root, the config it is built from, the bulk import. */
export { createOrderService, type OrderServiceOptions, type OrderService } from './service';
export { loadOrderServiceConfig, type OrderServiceConfig, type OrderServiceSettings } from './config';
export { importOrders, type ImportedOrder } from './orders/import-orders';
