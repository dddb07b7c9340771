import { isDeepStrictEqual } from 'node:util';
import { API_PREFIX, isExposedUpstreamPath, type UpstreamName } from '../proxy/routes';
import { type OpenApiDocument, operationsOf, type PathItem } from './openapi-document';

export interface ServiceDocument {
  upstream: UpstreamName;
  document: OpenApiDocument;
}

export interface MergeInput {
  /** The gateway's own paths and components; its component names win any clash. */
  gateway: OpenApiDocument;
  services: ServiceDocument[];
  unavailable: UpstreamName[];
  /** Added to every proxied operation that does not declare them (e.g. 429, 503, 504). */
  gatewayResponses: Record<string, unknown>;
}

const capitalise = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);
const escapePointer = (value: string) => value.replace(/~/g, '~0').replace(/\//g, '~1');
const componentRef = (kind: string, name: string) => `#/components/${kind}/${escapePointer(name)}`;

/** Replaces every `$ref` found in `renames` anywhere inside `value`. */
function rewriteRefs(value: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (key === '$ref' && typeof child === 'string') return [key, renames.get(child) ?? child];
      return [key, rewriteRefs(child, renames)];
    }),
  );
}

/**
 * Decides the merged name of each of a service's components: kept when free or identical to what
 * is already there (shared error shapes, the bearer scheme), prefixed with the service otherwise.
 */
function planComponentNames(
  merged: Record<string, Record<string, unknown>>,
  upstream: UpstreamName,
  components: Record<string, Record<string, unknown>>,
): Map<string, string> {
  const renames = new Map<string, string>();
  for (const [kind, entries] of Object.entries(components)) {
    for (const [name, value] of Object.entries(entries)) {
      const existing = merged[kind]?.[name];
      if (existing === undefined || isDeepStrictEqual(existing, value)) continue;
      let candidate = `${capitalise(upstream)}${name}`;
      for (let n = 2; merged[kind]?.[candidate] !== undefined; n += 1)
        candidate = `${capitalise(upstream)}${name}${n}`;
      renames.set(componentRef(kind, name), componentRef(kind, candidate));
    }
  }
  return renames;
}

function nameFromRef(ref: string): string {
  return ref
    .slice(ref.lastIndexOf('/') + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');
}

/**
 * One document for the whole public API: each service's paths under /api (only those the gateway
 * routes), components merged without clashes, the gateway's own routes, and `x-unavailable`
 * naming the services whose document could not be fetched.
 */
export function mergeOpenApi(input: MergeInput): OpenApiDocument {
  const merged = structuredClone(input.gateway);
  const paths: Record<string, PathItem> = { ...merged.paths };
  const components: Record<string, Record<string, unknown>> = { ...merged.components };
  const tags = new Map((merged.tags ?? []).map((tag) => [tag.name, tag]));
  const operationIds = new Set<string>();

  for (const { upstream, document } of input.services) {
    const renames = planComponentNames(components, upstream, document.components ?? {});
    const rewritten = rewriteRefs(
      { paths: document.paths ?? {}, components: document.components ?? {} },
      renames,
    ) as Required<Pick<OpenApiDocument, 'paths' | 'components'>>;

    for (const [kind, entries] of Object.entries(rewritten.components)) {
      components[kind] = { ...components[kind] };
      for (const [name, value] of Object.entries(entries)) {
        const ref = componentRef(kind, name);
        const mergedName = renames.has(ref) ? nameFromRef(renames.get(ref)!) : name;
        components[kind][mergedName] ??= value;
      }
    }

    for (const [path, item] of Object.entries(rewritten.paths)) {
      // Internal routes a service happens to document (e.g. /inventory) are not reachable here.
      if (!isExposedUpstreamPath(upstream, path)) continue;
      for (const [, operation] of operationsOf(item)) {
        if (operation.operationId) {
          if (operationIds.has(operation.operationId))
            operation.operationId = `${upstream}_${operation.operationId}`;
          operationIds.add(operation.operationId);
        }
        operation.responses = { ...input.gatewayResponses, ...operation.responses };
      }
      paths[`${API_PREFIX}${path}`] = item;
    }

    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }

  merged.paths = paths;
  merged.components = components;
  if (tags.size > 0) merged.tags = [...tags.values()];
  merged['x-unavailable'] = [...input.unavailable];
  return merged;
}
