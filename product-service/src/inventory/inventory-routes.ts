import { parseInput, requireInternalToken } from '@ecom/service-kit';
import { Router } from 'express';
import type { Inventory, InventoryResult } from './inventory';
import { orderIdParamsSchema, reservationRequestSchema } from './inventory-schemas';

function replayHeader(result: InventoryResult): string {
  return result.replayed ? 'true' : 'false';
}

/** Internal: called by the order-service with the shared X-Internal-Token; never routed by the gateway. */
export function inventoryRouter(inventory: Inventory, internalToken: string): Router {
  const router = Router();
  router.use(requireInternalToken(internalToken));

  router.post('/reservations', async (req, res) => {
    const { orderId, items } = parseInput(reservationRequestSchema, req.body, 'body');
    const result = await inventory.reserve(orderId, items);
    res.status(201).set('Idempotent-Replayed', replayHeader(result)).json(result.reservation);
  });

  router.get('/reservations/:orderId', async (req, res) => {
    const { orderId } = parseInput(orderIdParamsSchema, req.params, 'params');
    res.json(await inventory.get(orderId));
  });

  router.delete('/reservations/:orderId', async (req, res) => {
    const { orderId } = parseInput(orderIdParamsSchema, req.params, 'params');
    // Only an order that was not placed: a placed order's stock goes back when it is cancelled.
    const result = await inventory.release(orderId, 'unplaced');
    res.set('Idempotent-Replayed', replayHeader(result)).json(result.reservation);
  });

  return router;
}
