import {
  clientAddressOf,
  currentUser,
  describeIssues,
  HttpError,
  type AccessTokenVerifier,
  parseInput,
  requireAuth,
} from '@ecom/service-kit';
import { type Request, Router } from 'express';
import { createOrderBody, idempotencyKeySchema, linesOverLimit, MAX_QUANTITY } from '../orders/order-schemas';
import type { PlaceOrderRequest, PlaceOrderResult } from './place-order';

export interface PlacementRouteDeps {
  jwt: AccessTokenVerifier;
  placeOrder(request: PlaceOrderRequest): Promise<PlaceOrderResult>;
}

function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.get('Idempotency-Key');
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success)
    throw HttpError.badRequest('Invalid Idempotency-Key header', describeIssues(parsed.error));
  return parsed.data;
}

/**
 * `POST /orders`, mounted on `/orders` before orders/order-routes.ts (the order once placed).
 * Authenticates on the route itself, so other requests pass through to that router untouched.
 */
export function placementRoutes(deps: PlacementRouteDeps): Router {
  const router = Router();

  router.post('/', requireAuth(deps.jwt), async (req, res) => {
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
    const request = {
      userId: user.id,
      lines,
      idempotencyKey: idempotencyKeyOf(req),
      clientAddress: clientAddressOf(req),
    };
    const result = await deps.placeOrder(request);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });

  return router;
}
