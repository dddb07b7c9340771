import type { Logger } from '@ecom/service-kit';
import { BackgroundLoop } from '../background-loop';
import type { OrderMetrics } from '../metrics';
import type { Model } from 'mongoose';
import type { PendingReleaseModel } from './pending-releases';

const BATCH = 50;
const MAX_BACKOFF_MS = 30_000;

export interface ReleaseRetrierDeps {
  pendingReleases: PendingReleaseModel;
  /** The orders collection, asked only whether an order exists. */
  orders: Pick<Model<unknown>, 'exists'>;
  inventory: { release(orderId: string): Promise<void> };
  metrics: Pick<OrderMetrics, 'releasesPending' | 'bookkeepingFailures'>;
  logger: Logger;
  intervalMs: number;
}

/** Gives back reservations that belong to no order, retrying until product-service says done. */
export function createReleaseRetrier(deps: ReleaseRetrierDeps): BackgroundLoop {
  const { pendingReleases, orders, logger } = deps;

  async function releaseOne(orderId: string, attempts: number): Promise<boolean> {
    // A saved order owns its reservation (even if its save looked failed to us): never release it.
    if (await orders.exists({ _id: orderId })) {
      await pendingReleases.deleteOne({ _id: orderId });
      return true;
    }
    try {
      await deps.inventory.release(orderId);
    } catch (error) {
      const backoff = Math.min(1_000 * 2 ** attempts, MAX_BACKOFF_MS);
      await pendingReleases.updateOne(
        { _id: orderId },
        {
          $set: { dueAt: new Date(Date.now() + backoff), lastError: (error as Error).message },
          $inc: { attempts: 1 },
        },
      );
      deps.metrics.bookkeepingFailures.inc({ operation: 'inventory_release' });
      logger.warn({ err: error, orderId, attempts: attempts + 1 }, 'inventory release failed; will retry');
      return false;
    }
    await pendingReleases.deleteOne({ _id: orderId });
    logger.info({ orderId }, 'released reservation of an order that was not placed');
    return true;
  }

  async function pass(): Promise<void> {
    const due = await pendingReleases
      .find({ dueAt: { $lte: new Date() } }, { attempts: 1 })
      .sort({ dueAt: 1 })
      .limit(BATCH)
      .lean();
    let allReleased = true;
    for (const entry of due) {
      // product-service is away: the rest would only fail the same way; try again next tick.
      if (!(await releaseOne(entry._id, entry.attempts))) {
        allReleased = false;
        break;
      }
    }
    deps.metrics.releasesPending.set(await pendingReleases.countDocuments());
    // A full batch that went through: more may be waiting, and held stock is unsellable until then.
    if (due.length === BATCH && allReleased) loop.kick();
  }

  const loop = new BackgroundLoop(
    'inventory-release',
    deps.intervalMs,
    pass,
    logger,
    deps.metrics.bookkeepingFailures,
  );
  return loop;
}
