import {
  currentUser,
  describeIssues,
  HttpError,
  idParamsSchema,
  type JwtSettings,
  type Logger,
  parseInput,
  requireAuth,
} from '@ecom/service-kit';
import { Router } from 'express';
import { Types } from 'mongoose';
import { fingerprintOf, type IdempotencyStore } from '../idempotency/idempotency-store';
import { recoveredError } from '../metrics';
import type { OrderModel } from './order-model';
import { type PlaceOrderDeps, placeOrder } from './place-order';
import { findVisibleOrder, listOrders } from './queries';
import {
  createOrderBody,
  idempotencyKeySchema,
  linesOverLimit,
  listOrdersQuery,
  MAX_QUANTITY,
  statusBody,
} from './order-schemas';
import { toItemJson, toOrderJson } from './serialize';
import { changeStatus } from './status-change';

export interface OrderRouteDeps extends PlaceOrderDeps {
  jwt: JwtSettings;
  orders: OrderModel;
  idempotency: IdempotencyStore;
  logger: Logger;
}

export function orderRoutes(deps: OrderRouteDeps): Router {
  const router = Router();
  router.use(requireAuth(deps.jwt));

  router.post('/', async (req, res) => {
    const user = currentUser(req);
    const { items: lines, userId } = parseInput(createOrderBody, req.body, 'body');
    // Admins too: an order placed "for" someone else would still be charged to the token's subject.
    if (userId !== undefined && userId !== user.id) {
      throw HttpError.forbidden('userId must be your own id (or left out): orders are placed for the caller');
    }
    const overLimit = linesOverLimit(lines);
    if (overLimit.length > 0) {
      throw HttpError.unprocessable(`At most ${MAX_QUANTITY} units of one product per order`, overLimit);
    }
    const header = req.get('Idempotency-Key');
    const log = req.log ?? deps.logger;
    const ctx = { metrics: deps.metrics, log };
    if (header === undefined) {
      const order = await placeOrder(deps, { orderId: new Types.ObjectId(), userId: user.id, lines }, log);
      res.status(201).json(order);
      return;
    }

    const parsedKey = idempotencyKeySchema.safeParse(header);
    if (!parsedKey.success) {
      throw HttpError.badRequest('Invalid Idempotency-Key header', describeIssues(parsedKey.error));
    }
    const key = parsedKey.data;
    const claim = await deps.idempotency.claim(user.id, key, fingerprintOf(lines));
    if (claim.kind === 'replay') {
      res.set('Idempotent-Replayed', 'true').status(claim.status).json(claim.body);
      return;
    }
    const input = { orderId: claim.orderId, userId: user.id, lines, idempotencyKey: key };
    const order = await placeOrder(deps, input, log).catch(async (error: unknown) => {
      // A refusal or a 503 changed nothing, so the key is freed for an honest retry. After an
      // unexpected error the order may exist after all: the key stays held until its lease
      // runs out, and then the next attempt replays that order if it was saved.
      if (error instanceof HttpError) {
        await deps.idempotency
          .abandon(user.id, key, claim.orderId)
          .catch(
            recoveredError(
              ctx,
              'idempotency_abandon',
              claim.orderId.toHexString(),
              'idempotency key held until its lease runs out',
            ),
          );
      }
      throw error;
    });
    // The order exists: a later retry with this key finds it once the lease runs out.
    await deps.idempotency
      .complete(user.id, key, claim.orderId, 201, order)
      .catch(
        recoveredError(ctx, 'idempotency_complete', order.id, 'could not record the idempotent response'),
      );
    res.status(201).json(order);
  });

  router.get('/', async (req, res) => {
    const query = parseInput(listOrdersQuery, req.query, 'query');
    res.json(await listOrders(deps.orders, currentUser(req), query));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    res.json(toOrderJson(await findVisibleOrder(deps.orders, id, currentUser(req))));
  });

  router.get('/:id/items', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    const order = await findVisibleOrder(deps.orders, id, currentUser(req));
    res.json({ orderId: id, items: order.items.map(toItemJson) });
  });

  router.put('/:id/status', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    const { status } = parseInput(statusBody, req.body, 'body');
    res.json(await changeStatus(deps, id, status, currentUser(req)));
  });

  return router;
}
