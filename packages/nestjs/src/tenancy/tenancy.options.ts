import type { L1ChildBudget } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/** The child namespaces tenancy makes in each scoped cache; no named cache may take them. */
export const TENANTS_NAMESPACE = '@tenant';
export const SHARED_NAMESPACE = '@shared';
const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([TENANTS_NAMESPACE, SHARED_NAMESPACE]);

/** Returns the tenant of the current call, or undefined when there is none. */
export interface TenantResolver {
  (request: TenantRequest | undefined): string | undefined | null;
  /** The request header naming the tenant, if that is where it comes from: cached HTTP responses vary by it. */
  readonly header?: string;
}

/** The parts of an Express or Fastify request a resolver usually reads. */
export interface TenantRequest {
  headers?: Record<string, string | string[] | undefined>;
  user?: Record<string, unknown>;
}

export interface TenancyOptions {
  /**
   * Resolves the current tenant. It gets the HTTP request when the call runs inside a request
   * served through `HttpCacheInterceptor`, undefined otherwise. `TenantContext.run(tenant, fn)`
   * overrides it. Use `tenantFromHeader`, `tenantFromUser`, or read your own context, e.g.
   * nestjs-cls: `resolve: () => cls.get('tenantId')`.
   */
  resolve: TenantResolver;
  /** Named caches that are not tenant-scoped (reference data every tenant reads). */
  sharedCaches?: readonly string[];
  /** How many per-tenant views to keep built; older ones are rebuilt on demand. Default 1 000. */
  maxTenantViews?: number;
  /** Per-tenant hit/miss/load counters for metrics: `topTenants` keep their own label, the rest count as `other`. Off by default. */
  metrics?: { topTenants?: number };
  /**
   * Each tenant's share of L1, per cache (with L1's own bounds capping it): a tenant over it drops
   * its own oldest entries, never another tenant's. Off by default (tenants share L1's LRU).
   */
  l1PerTenant?: L1ChildBudget;
}

/** The tenant is the value of a request header, e.g. `x-tenant-id`. Use it behind a gateway that sets it. */
export function tenantFromHeader(name: string): TenantResolver {
  const header = name.toLowerCase();
  const resolve = (request: TenantRequest | undefined) => {
    const value = request?.headers?.[header];
    return Array.isArray(value) ? value[0] : value;
  };
  return Object.assign(resolve, { header });
}

/**
 * The tenant is a claim of the authenticated user (`request.user`, set by a guard that verified
 * the token, e.g. Passport's JWT strategy). Never from an unverified token: a forged claim would
 * read another tenant's cache.
 */
export function tenantFromUser(claim: string): TenantResolver {
  return (request) => {
    const value = request?.user?.[claim];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
}

export interface ResolvedTenancy {
  readonly resolve: TenantResolver;
  readonly sharedCaches: ReadonlySet<string>;
  readonly maxTenantViews: number;
  readonly topTenants: number;
  readonly l1PerTenant: L1ChildBudget | undefined;
}

/** The one place tenancy options are checked; a bad one fails startup naming it. */
export function resolveTenancy(options: TenancyOptions): ResolvedTenancy {
  if (typeof options !== 'object' || options === null) throw invalidOption('tenancy', 'expected { resolve, ... }');
  if (typeof options.resolve !== 'function') {
    throw invalidOption('tenancy.resolve', 'expected a function returning the current tenant (see tenantFromHeader, tenantFromUser)');
  }
  const max = options.maxTenantViews ?? 1_000;
  if (!Number.isInteger(max) || max < 1) throw invalidOption('tenancy.maxTenantViews', 'expected a positive integer');
  const top = options.metrics?.topTenants ?? 0;
  if (!Number.isInteger(top) || top < 0) throw invalidOption('tenancy.metrics.topTenants', 'expected a non-negative integer');
  if (options.sharedCaches !== undefined && !Array.isArray(options.sharedCaches)) {
    throw invalidOption('tenancy.sharedCaches', 'expected an array of cache names');
  }
  return {
    resolve: options.resolve,
    sharedCaches: new Set(options.sharedCaches ?? []),
    maxTenantViews: max,
    topTenants: top,
    l1PerTenant: options.l1PerTenant === undefined ? undefined : l1Budget(options.l1PerTenant),
  };
}

function l1Budget(budget: L1ChildBudget): L1ChildBudget {
  if (typeof budget !== 'object' || budget === null) throw invalidOption('tenancy.l1PerTenant', 'expected { maxBytes?, maxEntries? }');
  for (const field of ['maxBytes', 'maxEntries'] as const) {
    const value = budget[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw invalidOption(`tenancy.l1PerTenant.${field}`, 'expected a positive integer');
  }
  return budget;
}

/**
 * With tenancy, a named cache may not live in `@tenant` or `@shared`: it would be the parent of
 * every tenant of the root cache (its clear() would clear them all) or of its shared entries.
 */
export function checkNamedCacheNamespace(name: string, namespace: string): void {
  if (!RESERVED_NAMESPACES.has(namespace)) return;
  const field = namespace === name ? `caches.${name}` : `caches.${name}.namespace`;
  throw invalidOption(field, `"${namespace}" is reserved for tenancy (it holds the tenants' and the shared entries); choose another name`);
}
