import {
  currentUser,
  idParamsSchema,
  type AccessTokenVerifier,
  parseInput,
  requireAuth,
} from '@ecom/service-kit';
import { Router } from 'express';
import { findVisibleOrder, listOrders } from './queries';
import { listOrdersQuery, statusBody } from './order-schemas';
import { toItemJson, toOrderJson } from './serialize';
import { changeStatus, type StatusChangeDeps } from './status-change';

export interface OrderRouteDeps extends StatusChangeDeps {
  jwt: AccessTokenVerifier;
}

/** Orders once placed: reading them and changing their status. Placing one: placement/. */
export function orderRoutes(deps: OrderRouteDeps): Router {
  const router = Router();
  router.use(requireAuth(deps.jwt));

  router.get('/', async (req, res) => {
    const query = parseInput(listOrdersQuery, req.query, 'query');
    res.json(await listOrders(deps.orderStore, currentUser(req), query));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    res.json(toOrderJson(await findVisibleOrder(deps.orderStore, id, currentUser(req))));
  });

  router.get('/:id/items', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    const order = await findVisibleOrder(deps.orderStore, id, currentUser(req));
    res.json({ orderId: id, items: order.items.map(toItemJson) });
  });

  router.put('/:id/status', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    const { status } = parseInput(statusBody, req.body, 'body');
    res.json(await changeStatus(deps, id, status, currentUser(req)));
  });

  return router;
}
