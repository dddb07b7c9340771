// The loop moved to the kit (product-service runs one too); this path stays for order-service's imports.
export { BackgroundLoop } from '@ecom/service-kit';
