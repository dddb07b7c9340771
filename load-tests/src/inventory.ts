export interface StockRow {
  productId: string;
  initial: number;
  /** Stock read after the run; undefined when the product could not be read. */
  final: number | undefined;
}

export interface InventoryMismatch {
  productId: string;
  initial: number;
  final: number | null;
  sold: number | null;
  orderedClient: number;
  orderedServer: number | null;
}

export interface InventoryReport {
  checked: boolean;
  passed: boolean;
  products: number;
  unitsSold: number;
  /** Sum of quantities in the 201 responses the tool received. */
  unitsOrderedClient: number;
  /** Sum of quantities in the non-cancelled orders order-service lists for the tool's buyers. */
  unitsOrderedServer: number | null;
  mismatches: InventoryMismatch[];
  negativeStock: string[];
  note?: string;
}

/**
 * The invariant after a run: for each of the run's own products, initial − final stock equals the
 * ordered quantity (from the 201 answers, and from order-service's own list when given), and no
 * stock is negative.
 */
export function checkInventory(
  rows: readonly StockRow[],
  orderedClient: ReadonlyMap<string, number>,
  orderedServer?: ReadonlyMap<string, number>,
): InventoryReport {
  const mismatches: InventoryMismatch[] = [];
  const negativeStock: string[] = [];
  let unitsSold = 0;
  let unitsOrderedClient = 0;
  let unitsOrderedServer = orderedServer ? 0 : null;
  for (const row of rows) {
    const client = orderedClient.get(row.productId) ?? 0;
    const server = orderedServer ? (orderedServer.get(row.productId) ?? 0) : null;
    unitsOrderedClient += client;
    if (unitsOrderedServer !== null && server !== null) unitsOrderedServer += server;
    if (row.final === undefined) {
      mismatches.push({
        productId: row.productId,
        initial: row.initial,
        final: null,
        sold: null,
        orderedClient: client,
        orderedServer: server,
      });
      continue;
    }
    const sold = row.initial - row.final;
    unitsSold += sold;
    if (row.final < 0) negativeStock.push(row.productId);
    if (sold !== client || (server !== null && sold !== server)) {
      mismatches.push({
        productId: row.productId,
        initial: row.initial,
        final: row.final,
        sold,
        orderedClient: client,
        orderedServer: server,
      });
    }
  }
  return {
    checked: true,
    passed: rows.length > 0 && mismatches.length === 0 && negativeStock.length === 0,
    products: rows.length,
    unitsSold,
    unitsOrderedClient,
    unitsOrderedServer,
    mismatches,
    negativeStock,
  };
}

export function notChecked(note: string): InventoryReport {
  return {
    checked: false,
    passed: false,
    products: 0,
    unitsSold: 0,
    unitsOrderedClient: 0,
    unitsOrderedServer: null,
    mismatches: [],
    negativeStock: [],
    note,
  };
}
