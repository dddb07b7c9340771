/**
 * The gateway's whole public surface in one table: which public prefix goes to which upstream, and
 * who may call it. The proxy mounts, the access check and the OpenAPI filter all read this table,
 * so an upstream path that is not listed here (e.g. product-service's /inventory) can never be
 * reached or documented through the gateway.
 */
export const UPSTREAM_NAMES = ['user', 'product', 'order'] as const;
export type UpstreamName = (typeof UPSTREAM_NAMES)[number];

/** public: anyone; user: any valid access token; admin: a valid token with role admin. */
export type Access = 'public' | 'user' | 'admin';

export const API_PREFIX = '/api';

export interface GatewayRoute {
  upstream: UpstreamName;
  /** Path prefix on the upstream; the gateway serves it under API_PREFIX + prefix. */
  prefix: string;
  /** `path` is relative to the mount path ("/login", "/", "/123/items"). */
  access(method: string, path: string): Access;
  /**
   * A POST to the prefix itself creates something the upstream de-duplicates by Idempotency-Key;
   * the gateway gives one to requests without it (see proxyTo).
   */
  keyedCreates?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Logout only needs the refresh token it revokes, so a client with an expired access token can
// still log out.
const PUBLIC_AUTH_PATHS = new Set(['/register', '/login', '/refresh', '/logout']);

/** Lower-cased and without trailing slashes, because Express routes match that way too. */
function normalise(path: string): string {
  const trimmed = path.toLowerCase().replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

// Everything else under /auth (the profile, and any route added later) needs a token: deny by default.
const authAccess = (_method: string, path: string): Access =>
  PUBLIC_AUTH_PATHS.has(normalise(path)) ? 'public' : 'user';
const catalogAccess = (method: string): Access => (SAFE_METHODS.has(method) ? 'public' : 'admin');

export const GATEWAY_ROUTES: readonly GatewayRoute[] = [
  { upstream: 'user', prefix: '/auth', access: authAccess },
  { upstream: 'product', prefix: '/products', access: catalogAccess },
  { upstream: 'product', prefix: '/categories', access: catalogAccess },
  { upstream: 'order', prefix: '/orders', access: () => 'user', keyedCreates: true },
];

export function mountPath(route: GatewayRoute): string {
  return `${API_PREFIX}${route.prefix}`;
}

/** Express route pattern for the prefix and everything below it: /api/products{/*path}. */
export function routePattern(route: GatewayRoute): string {
  return `${mountPath(route)}{/*path}`;
}

/** The part of a matched public path below the route's mount path ("/", "/42/items"). */
export function pathBelowMount(route: GatewayRoute, publicPath: string): string {
  return publicPath.slice(mountPath(route).length) || '/';
}

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether an upstream's own path (as in its OpenAPI document) is exposed by the gateway. */
export function isExposedUpstreamPath(upstream: UpstreamName, path: string): boolean {
  return GATEWAY_ROUTES.some((route) => route.upstream === upstream && underPrefix(path, route.prefix));
}
