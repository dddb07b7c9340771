/** Lock names (see DocumentLocks in @ecom/service-kit) for the order-service's lock collection. */
export const lockKeys = {
  order: (orderId: string) => `order:${orderId}`,
  idempotency: (userId: string, key: string) => `idempotency:${userId}:${key}`,
};
