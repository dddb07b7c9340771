import { describeFailure, type HttpClient, parseJson } from './http';
import { checkInventory, type InventoryReport, type StockRow } from './inventory';
import { mapLimit, type SeededProduct } from './setup';
import type { OrderLedger } from './virtual-user';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readStocks(http: HttpClient, products: readonly SeededProduct[]): Promise<StockRow[]> {
  return mapLimit(products, 8, async (product) => {
    const result = await http.send('GET', `/api/products/${product.id}`);
    const stock = result.status === 200 ? parseJson<{ stock?: unknown }>(result)?.stock : undefined;
    return {
      productId: product.id,
      initial: product.initialStock,
      final: typeof stock === 'number' ? stock : undefined,
    };
  });
}

interface OrderPage {
  items?: Array<{ status?: string; items?: Array<{ productId?: string; quantity?: number }> }>;
  pages?: number;
}

/** Quantities of the run's products in the buyers' non-cancelled orders, as order-service lists them. */
async function serverOrderedQuantities(
  http: HttpClient,
  adminToken: string,
  buyerIds: readonly string[],
  productIds: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  await mapLimit(buyerIds, 8, async (userId) => {
    for (let page = 1; page <= 10_000; page++) {
      const result = await http.send('GET', `/api/orders?userId=${userId}&limit=100&page=${page}`, {
        token: adminToken,
      });
      if (result.status !== 200)
        throw new Error(`GET /api/orders for ${userId}: ${result.status} ${describeFailure(result)}`);
      const body = parseJson<OrderPage>(result);
      for (const order of body?.items ?? []) {
        if (order.status === 'cancelled') continue;
        for (const item of order.items ?? []) {
          if (item.productId && productIds.has(item.productId) && typeof item.quantity === 'number') {
            totals.set(item.productId, (totals.get(item.productId) ?? 0) + item.quantity);
          }
        }
      }
      if (!body?.pages || page >= body.pages) break;
    }
  });
  return totals;
}

/**
 * Reads the final stock of the run's products and checks initial − final == ordered quantities.
 * Releases of failed orders can lag a little, so a mismatch is re-read a few times before it counts.
 */
export async function verifyInventory(
  http: HttpClient,
  products: readonly SeededProduct[],
  ledger: OrderLedger,
  server: { adminToken: string; buyerIds: readonly string[] } | undefined,
  log: (line: string) => void,
): Promise<InventoryReport> {
  let serverTotals: Map<string, number> | undefined;
  let serverNote: string | undefined;
  if (server) {
    try {
      serverTotals = await serverOrderedQuantities(
        http,
        server.adminToken,
        server.buyerIds,
        new Set(products.map((product) => product.id)),
      );
    } catch (error) {
      serverNote = `order-service list not compared: ${(error as Error).message}`;
    }
  }
  let report = checkInventory(await readStocks(http, products), ledger.ordered, serverTotals);
  for (let attempt = 1; !report.passed && attempt <= 5; attempt++) {
    log(
      `inventory: ${report.mismatches.length} products do not add up yet; re-reading in 2 s (${attempt}/5)`,
    );
    await sleep(2_000);
    report = checkInventory(await readStocks(http, products), ledger.ordered, serverTotals);
  }
  if (serverNote) report.note = serverNote;
  return report;
}
