import { invalidOption } from '../errors.js';

/** Returns the tenant of the current call, or undefined when there is none. */
export type TenantResolver = (request: TenantRequest | undefined) => string | undefined | null;

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
}

/** The tenant is the value of a request header, e.g. `x-tenant-id`. Use it behind a gateway that sets it. */
export function tenantFromHeader(name: string): TenantResolver {
  const header = name.toLowerCase();
  return (request) => {
    const value = request?.headers?.[header];
    return Array.isArray(value) ? value[0] : value;
  };
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
  return { resolve: options.resolve, sharedCaches: new Set(options.sharedCaches ?? []), maxTenantViews: max, topTenants: top };
}
