import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultCategories } from '../src/seed/default-categories';
import { createCategory, startProductService, type TestService } from './support/product-service';

let fresh: TestService;
let used: TestService;

beforeAll(async () => {
  [fresh, used] = await Promise.all([startProductService(), startProductService()]);
});

afterAll(async () => {
  await Promise.all([fresh?.close(), used?.close()]);
});

describe('default categories of a fresh catalog', () => {
  it("when the catalog is empty, then the original API's documented product example answers 201", async () => {
    expect(await ensureDefaultCategories(fresh.categoryStore, fresh.cache)).toBeGreaterThanOrEqual(5);

    const response = await fresh.http.post('/products').set('Authorization', fresh.adminAuth).send({
      name: 'Product Name',
      description: 'Product description',
      price: 29.99,
      category: 'Electronics',
      stock: 100,
    });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'Product Name',
      category: 'Electronics',
      price: 29.99,
      stock: 100,
    });
    const names = (await fresh.http.get('/categories')).body.items.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['Electronics', 'Books', 'Clothing']));
  });

  it('when run again, then nothing is added', async () => {
    const before = await fresh.categoryStore.count();
    expect(await ensureDefaultCategories(fresh.categoryStore, fresh.cache)).toBe(0);
    expect(await fresh.categoryStore.count()).toBe(before);
  });

  it('when the catalog already has a category, then it is left as the admin made it', async () => {
    await createCategory(used, 'Only This One');
    expect(await ensureDefaultCategories(used.categoryStore, used.cache)).toBe(0);
    expect(await used.categoryStore.count()).toBe(1);
  });
});
