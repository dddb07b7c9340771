/** Lock names (see DocumentLocks in @ecom/service-kit); every writer of a product or a reservation takes these. */
export const lockKeys = {
  product: (productId: string) => `product:${productId}`,
  order: (orderId: string) => `order:${orderId}`,
};
