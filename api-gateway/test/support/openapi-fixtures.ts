/** Small documents as the services serve them at GET /openapi.json (paths as the service sees them). */

const bearerAuth = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
const ok = (ref: string) => ({
  description: 'OK',
  content: { 'application/json': { schema: { $ref: ref } } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export const userDocument = {
  openapi: '3.1.0',
  info: { title: 'user-service', version: '1.0.0' },
  tags: [{ name: 'Auth' }],
  paths: {
    '/auth/register': {
      post: {
        tags: ['Auth'],
        operationId: 'register',
        responses: { '201': ok('#/components/schemas/Tokens') },
      },
    },
    '/auth/login': {
      post: { tags: ['Auth'], operationId: 'login', responses: { '200': ok('#/components/schemas/Tokens') } },
    },
    '/auth/profile': {
      get: {
        operationId: 'getProfile',
        security: [{ bearerAuth: [] }],
        responses: { '200': { description: 'OK' } },
      },
      put: {
        operationId: 'updateProfile',
        security: [{ bearerAuth: [] }],
        responses: { '200': { description: 'OK' } },
      },
    },
  },
  components: {
    schemas: {
      Tokens: { type: 'object', properties: { accessToken: { type: 'string' } } },
      Error: { type: 'object', properties: { error: { type: 'string' } } },
    },
    securitySchemes: { bearerAuth },
  },
};

export const productDocument = {
  openapi: '3.1.0',
  info: { title: 'product-service', version: '1.0.0' },
  tags: [{ name: 'Catalog' }],
  paths: {
    '/products': {
      get: { tags: ['Catalog'], operationId: 'listProducts', responses: { '200': { description: 'OK' } } },
      post: {
        tags: ['Catalog'],
        operationId: 'createProduct',
        security: [{ bearerAuth: [] }],
        responses: { '201': ok('#/components/schemas/Product'), '400': ok('#/components/schemas/Error') },
      },
    },
    '/products/{id}': {
      parameters: [idParam],
      get: { operationId: 'getProduct', responses: { '200': ok('#/components/schemas/Product') } },
      delete: {
        operationId: 'deleteProduct',
        security: [{ bearerAuth: [] }],
        responses: { '204': { description: 'Gone' } },
      },
    },
    '/categories': { get: { operationId: 'listCategories', responses: { '200': { description: 'OK' } } } },
    // Internal: a service might document it, the gateway must never expose it.
    '/inventory/{id}/reserve': {
      parameters: [idParam],
      post: { operationId: 'reserve', responses: { '200': { description: 'OK' } } },
    },
  },
  components: {
    schemas: {
      Product: {
        type: 'object',
        properties: { name: { type: 'string' }, error: { $ref: '#/components/schemas/Error' } },
      },
      // Same name as user-service's Error, different shape: must not overwrite it.
      Error: { type: 'object', properties: { message: { type: 'string' }, code: { type: 'integer' } } },
    },
    securitySchemes: { bearerAuth },
  },
};

export const orderDocument = {
  openapi: '3.1.0',
  info: { title: 'order-service', version: '1.0.0' },
  paths: {
    '/orders': {
      get: {
        operationId: 'listOrders',
        security: [{ bearerAuth: [] }],
        responses: { '200': { description: 'OK' } },
      },
      post: {
        operationId: 'createOrder',
        security: [{ bearerAuth: [] }],
        responses: { '201': { description: 'Created' } },
      },
    },
    '/orders/{id}/status': {
      parameters: [idParam],
      patch: {
        operationId: 'updateOrderStatus',
        security: [{ bearerAuth: [] }],
        responses: { '200': { description: 'OK' } },
      },
    },
  },
  components: { securitySchemes: { bearerAuth } },
};
