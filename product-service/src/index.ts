/**
 * The package's public entry: the composition root and the config it is built from, and the bulk
 * imports the load tool preloads a database with.
 */
export { createProductService, type ProductService, type ProductServiceOptions } from './service';
export { loadProductConfig, type ProductConfig } from './config';
export { type CatalogImport, importCatalog } from './bulk-import/import-catalog';
export { importReservations, type ReservationImport } from './bulk-import/import-reservations';
