import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES, mountPath } from '../src/proxy/routes';
import { createTestGateway, deadUrl, startStubs, type StubSet, type TestGateway } from './support/gateway';
import { orderDocument, productDocument, userDocument } from './support/openapi-fixtures';
import { json, type StubUpstream } from './support/stub-upstream';
import { admin, bearer, validToken } from './support/tokens';

type Doc = {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const GATEWAY_OWN = ['/health', '/ready', '/.well-known/jwks.json', '/api/openapi.json', '/api/docs'];

let stubs: StubSet;
let gateway: TestGateway;

function serveDocuments(): void {
  stubs.user.on('/openapi.json', (_req, res) => json(res, 200, userDocument));
  stubs.product.on('/openapi.json', (_req, res) => json(res, 200, productDocument));
  stubs.order.on('/openapi.json', (_req, res) => json(res, 200, orderDocument));
}

async function fetchDocument(target: TestGateway = gateway): Promise<Doc> {
  const res = await request(target.app).get('/api/openapi.json').expect(200);
  return res.body as Doc;
}

function operations(doc: Doc): Array<{ method: string; path: string }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => method in item).map((method) => ({ method, path })),
  );
}

function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') refs.push(child);
      else collectRefs(child, refs);
    }
  }
  return refs;
}

beforeAll(async () => {
  stubs = await startStubs();
  serveDocuments();
  gateway = await createTestGateway({ ...stubs.env, OPENAPI_CACHE_MS: '60000' });
});

afterAll(async () => {
  await gateway?.close();
  await stubs?.stopAll();
});

beforeEach(() => {
  for (const stub of [stubs.user, stubs.product, stubs.order]) stub.received.length = 0;
});

describe('GET /api/openapi.json', () => {
  it("puts every service's public paths under /api next to the gateway's own routes", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        ...GATEWAY_OWN,
        '/api/auth/register',
        '/api/auth/login',
        '/api/auth/profile',
        '/api/products',
        '/api/products/{id}',
        '/api/categories',
        '/api/orders',
        '/api/orders/{id}/status',
      ].sort(),
    );
    expect(doc['x-unavailable']).toEqual([]);
  });

  it('leaves out internal routes a service documents', async () => {
    const doc = await fetchDocument();
    expect(Object.keys(doc.paths).filter((path) => path.includes('inventory'))).toEqual([]);
  });

  it('keeps identical components once and renames clashing ones, references included', async () => {
    const doc = await fetchDocument();
    const schemas = doc.components.schemas!;
    expect(schemas.Error).toEqual(userDocument.components.schemas.Error);
    expect(schemas.ProductError).toEqual(productDocument.components.schemas.Error);
    expect(schemas.Product).toMatchObject({
      properties: { error: { $ref: '#/components/schemas/ProductError' } },
    });
    const createProduct = doc.paths['/api/products']!.post!;
    expect(createProduct.responses!['400']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ProductError' } } },
    });
    expect(Object.keys(doc.components.securitySchemes!)).toEqual(['bearerAuth']);
  });

  it('adds the answers the gateway itself may give to every proxied operation', async () => {
    const doc = await fetchDocument();
    for (const { method, path } of operations(doc).filter((op) => !GATEWAY_OWN.includes(op.path))) {
      expect(Object.keys(doc.paths[path]![method]!.responses!), `${method} ${path}`).toEqual(
        expect.arrayContaining(['429', '503', '504']),
      );
    }
  });

  it('resolves every $ref inside the document', async () => {
    const doc = await fetchDocument();
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      const [, , kind, name] = ref.split('/');
      expect(doc.components[kind!]?.[name!], ref).toBeDefined();
    }
  });

  it('is served from a short-lived cache instead of asking the services every time', async () => {
    const fresh = await createTestGateway({ ...stubs.env, OPENAPI_CACHE_MS: '60000' });
    try {
      await Promise.all([fetchDocument(fresh), fetchDocument(fresh)]);
      await fetchDocument(fresh);
      for (const stub of [stubs.user, stubs.product, stubs.order]) {
        expect(stub.receivedUnder('/openapi.json')).toHaveLength(1);
      }
    } finally {
      await fresh.close();
    }
  });

  it('reports a service whose document is unavailable in x-unavailable and leaves its section out', async () => {
    const partial = await createTestGateway({ ...stubs.env, ORDER_SERVICE_URL: await deadUrl() });
    try {
      stubs.user.on('/openapi.json', (_req, res) => json(res, 500, { error: 'boom' }));
      const doc = await fetchDocument(partial);
      expect(doc['x-unavailable']).toEqual(['user', 'order']);
      expect(Object.keys(doc.paths).filter((path) => /^\/api\/(orders|auth)/.test(path))).toEqual([]);
      expect(doc.paths['/api/products']).toBeDefined();
    } finally {
      serveDocuments();
      await partial.close();
    }
  });
});

describe('the document and the routes', () => {
  const upstreamFor = (path: string): StubUpstream =>
    path.startsWith('/api/auth') ? stubs.user : path.startsWith('/api/orders') ? stubs.order : stubs.product;

  it('every documented route exists on the gateway', async () => {
    const doc = await fetchDocument();
    const auth = bearer(validToken(admin));
    for (const { method, path } of operations(doc)) {
      const concrete = path.replace(/\{[^}]+\}/g, '64b000000000000000000009');
      const res = await request(gateway.app)[method as 'get'](concrete).set('Authorization', auth);
      expect(res.status, `${method.toUpperCase()} ${path}`).toBeLessThan(400);
      if (GATEWAY_OWN.includes(path)) continue;
      const reached = upstreamFor(path).apiRequests.at(-1);
      expect(`${reached?.method} ${reached?.url}`).toBe(
        `${method.toUpperCase()} ${concrete.slice('/api'.length)}`,
      );
    }
  });

  it("every gateway route is documented, the gateway's own ones included", async () => {
    const doc = await fetchDocument();
    const documented = Object.keys(doc.paths);
    for (const path of GATEWAY_OWN) expect(documented).toContain(path);
    for (const route of GATEWAY_ROUTES) {
      const mount = mountPath(route);
      expect(
        documented.some((path) => path === mount || path.startsWith(`${mount}/`)),
        mount,
      ).toBe(true);
    }
  });
});

describe('Swagger UI at /api/docs', () => {
  it('redirects to the slash form its relative asset links need', async () => {
    const res = await request(gateway.app).get('/api/docs');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/api/docs/');
  });

  it('serves the page, its assets and a loader pointing at the merged document', async () => {
    const page = await request(gateway.app).get('/api/docs/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
    const init = await request(gateway.app).get('/api/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/api/openapi.json');
    await request(gateway.app).get('/api/docs/swagger-ui-bundle.js').expect(200);
  });

  it('does not answer writes: 405 naming the methods it has', async () => {
    const res = await request(gateway.app).post('/api/docs/').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
