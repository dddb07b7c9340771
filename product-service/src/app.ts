import {
  createHttpApp,
  type Lifecycle,
  type Logger,
  mongoHealthCheck,
  openApiHandler,
  type ServiceMetrics,
} from '@ecom/service-kit';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { adminOnly } from './auth/http-auth';
import type { CategoryCatalog } from './categories/category-catalog';
import { categoryRouter } from './categories/category-routes';
import type { ProductConfig } from './config';
import type { Inventory } from './inventory/inventory';
import { inventoryRouter } from './inventory/inventory-routes';
import { productRoutesDoc } from './openapi';
import type { ProductCatalog } from './products/product-catalog';
import { productRouter } from './products/product-routes';

export interface AppDeps {
  config: ProductConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  lifecycle?: Lifecycle;
  connection: Connection;
  products: ProductCatalog;
  categories: CategoryCatalog;
  inventory: Inventory;
}

/** Builds the HTTP app from its dependencies; never listens (main.ts does, tests use supertest). */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const admin = adminOnly(config, deps.logger);
  return createHttpApp(
    {
      service: 'product-service',
      accessLog: config.ACCESS_LOG,
      logger: deps.logger,
      metrics: deps.metrics,
      lifecycle: deps.lifecycle,
      // Redis is a cache here: without it the service still serves every route, so it stays ready.
      readinessChecks: { mongo: mongoHealthCheck(deps.connection) },
      corsOrigins: config.CORS_ORIGINS,
      jsonBodyLimit: config.BODY_LIMIT,
      documentedRoutes: productRoutesDoc,
    },
    (app) => {
      app.get(
        '/openapi.json',
        openApiHandler({ title: 'product-service', version: '1.0.0' }, productRoutesDoc),
      );
      app.use('/products', productRouter(deps.products, admin));
      app.use('/categories', categoryRouter(deps.categories, admin));
      app.use('/inventory', inventoryRouter(deps.inventory, config.INTERNAL_TOKEN));
    },
  );
}
