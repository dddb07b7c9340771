import type { Order, OrderStatus } from './order-model';

/** What the expiry needs of a pending order. */
export type DueOrder = Pick<Order, '_id' | 'userId' | 'items'>;

export interface OrdersPageQuery {
  status?: OrderStatus;
  page: number;
  limit: number;
}

export interface OrdersPage {
  /** Read without their outbox (left empty). */
  items: Order[];
  total: number;
}

export interface UnpublishedPass {
  /** Orders that may still hold unpublished events, as far as this pass can tell. */
  backlog: number;
  /** More are waiting: run another pass soon. */
  more: boolean;
}

/**
 * How the order store finds orders other than by `_id`: by their owner, by being due to expire,
 * by having unpublished events. One implementation per storage mode (see createOrderStore).
 */
export interface OrderIndex {
  /** How often the outbox relay should look for events a crash left behind. */
  readonly unpublishedCheckEveryMs: number;
  /** Runs before the order is inserted, so a crash in between leaves a harmless dangling id. */
  created(order: Pick<Order, '_id' | 'userId'>, at: Date): Promise<void>;
  /** Runs before a write that adds events to the order's outbox. */
  eventsAdded(orderId: string, at: Date): Promise<void>;
  /**
   * Hands each pending order created before `cutoff` to `expire` (true: it moved) and answers how
   * many moved.
   */
  expireDue(cutoff: Date, expire: (order: DueOrder) => Promise<boolean>): Promise<number>;
  /** One user's orders, newest first. */
  ordersOfUser(userId: string, query: OrdersPageQuery): Promise<OrdersPage>;
  /** Everybody's orders, newest first (an admin's listing). */
  allOrders(query: OrdersPageQuery): Promise<OrdersPage>;
  /** Hands orders that may hold unpublished events (left by a crash) to `relay`, by id. */
  relayUnpublished(relay: (orderId: string) => Promise<void>): Promise<UnpublishedPass>;
}
