import { describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/seed/seed-catalog';
import { type TestService, useProductService } from './support/product-service';

let service: TestService;
useProductService((started) => (service = started));

describe('demo catalog seed', () => {
  it('when run twice, then the catalog has at least 5 categories and 200 products, and the second run adds nothing', async () => {
    const first = await seedCatalog(
      { categories: service.categoryStore, products: service.productStore },
      service.cache,
    );
    expect(first.categoriesCreated).toBeGreaterThanOrEqual(5);
    expect(first.productsCreated).toBeGreaterThanOrEqual(200);

    const second = await seedCatalog(
      { categories: service.categoryStore, products: service.productStore },
      service.cache,
    );
    expect(second).toEqual({ categoriesCreated: 0, productsCreated: 0 });
    expect(await service.categoryStore.count()).toBe(first.categoriesCreated);
    expect(await service.productStore.count()).toBe(first.productsCreated);
  });

  it('when seeded, then the API serves the catalog with categories, prices and stock filters', async () => {
    const categories = await service.http.get('/categories');
    expect(categories.body.items.map((c: { name: string }) => c.name)).toContain('Electronics');
    const electronics = await service.http.get('/products').query({ category: 'electronics', limit: 100 });
    expect(electronics.body.total).toBe(40);
    expect(
      electronics.body.items.every((p: { price: number }) => Number.isInteger(Math.round(p.price * 100))),
    ).toBe(true);
    const soldOut = await service.http.get('/products').query({ inStock: 'false', limit: 100 });
    expect(soldOut.body.total).toBeGreaterThan(0);
  });
});
