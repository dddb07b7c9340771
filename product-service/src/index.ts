/** The package's public entry: the composition root and the config it is built from. */
export { createProductService, type ProductService, type ProductServiceOptions } from './service';
export { loadProductConfig, type ProductConfig } from './config';
