import { uniqueName } from '@ecom/test-support';
import { describe, expect, it } from 'vitest';
import {
  createCategory,
  createProduct,
  useProductService,
  type TestService,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started));

const admin = () => service.adminAuth;

describe('categories', () => {
  it('when an admin creates one, then 201; it is listed by name and readable by id', async () => {
    const name = uniqueName('Garden-');
    const created = await service.http
      .post('/categories')
      .set('Authorization', admin())
      .send({ name, description: 'Plants and tools' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/categories/${created.body.id}`);
    expect(created.body).toMatchObject({ name, description: 'Plants and tools' });

    const list = await service.http.get('/categories');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toContain(name);
    const names = list.body.items.map((c: { name: string }) => c.name.toLowerCase());
    expect(names).toEqual([...names].sort());

    const one = await service.http.get(`/categories/${created.body.id}`);
    expect(one.body).toEqual(created.body);
  });

  it('when the name exists in another case, then 409 and no second category', async () => {
    const name = uniqueName('Dupe-');
    await createCategory(service, name);
    const again = await service.http
      .post('/categories')
      .set('Authorization', admin())
      .send({ name: name.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('A category with this name already exists');
    expect(
      await service.connection.collection('categories').countDocuments({ nameKey: name.toLowerCase() }),
    ).toBe(1);
  });

  it('when writes come without an admin token, then 401 or 403', async () => {
    expect((await service.http.post('/categories').send({ name: 'X' })).status).toBe(401);
    const customer = await service.http
      .post('/categories')
      .set('Authorization', service.customerAuth)
      .send({ name: 'X' });
    expect(customer.status).toBe(403);
  });

  it('when the body or id is invalid, then 400; a missing id is 404', async () => {
    expect(
      (await service.http.post('/categories').set('Authorization', admin()).send({ name: '' })).status,
    ).toBe(400);
    expect((await service.http.get('/categories/xyz')).status).toBe(400);
    expect((await service.http.get('/categories/0123456789abcdef01234567')).status).toBe(404);
    const put = await service.http
      .put('/categories/0123456789abcdef01234567')
      .set('Authorization', admin())
      .send({ name: 'Whatever' });
    expect(put.status).toBe(404);
  });

  it('when a category is renamed, then its products carry the new name and filter under it', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name });
    const newName = uniqueName('Renamed-');
    const renamed = await service.http
      .put(`/categories/${category.id}`)
      .set('Authorization', admin())
      .send({ name: newName, description: 'new' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: category.id, name: newName, description: 'new' });

    expect((await service.http.get(`/products/${product.id}`)).body.category).toBe(newName);
    const listed = await service.http.get('/products').query({ category: newName });
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([product.id]);
    expect((await service.http.get('/products').query({ category: category.name })).body.total).toBe(0);
  });

  it('when renaming onto another category name, then 409', async () => {
    const first = await createCategory(service);
    const second = await createCategory(service);
    const response = await service.http
      .put(`/categories/${second.id}`)
      .set('Authorization', admin())
      .send({ name: first.name.toLowerCase() });
    expect(response.status).toBe(409);
  });

  it('when deleting a category that still has products, then 409 and it stays; once empty, 204', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name });
    const blocked = await service.http.delete(`/categories/${category.id}`).set('Authorization', admin());
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ details: { products: 1 } });
    expect((await service.http.get(`/categories/${category.id}`)).status).toBe(200);

    await service.http.delete(`/products/${product.id}`).set('Authorization', admin());
    expect(
      (await service.http.delete(`/categories/${category.id}`).set('Authorization', admin())).status,
    ).toBe(204);
    expect((await service.http.get(`/categories/${category.id}`)).status).toBe(404);
    expect(
      (await service.http.delete(`/categories/${category.id}`).set('Authorization', admin())).status,
    ).toBe(404);
  });
});
