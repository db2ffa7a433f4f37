import type { EntryOptions, TieredCache } from '@tiercache/core';
import { TenantContext } from './tenant-context.js';
import { invalidTenant, tenantRequired } from './tenant-errors.js';
import { SHARED_NAMESPACE, TENANTS_NAMESPACE, type ResolvedTenancy } from './tenancy.options.js';
import { TenantUsage, type TenantUsageRow } from './tenant-usage.js';

/**
 * Methods of the engine as a whole (its counters, connections and lifecycle), which every tenant
 * shares. Every other method runs in the current tenant's namespace, including one TieredCache
 * gains later: a method nobody reviewed for tenancy fails closed (E_TENANT_REQUIRED), never open.
 */
const ENGINE_WIDE: ReadonlySet<PropertyKey> = new Set(['constructor', 'stats', 'status', 'l2Health', 'ready', 'close', 'purgeOtherVersions']);
/** The scoped methods that answer synchronously; every other one returns a promise (async or not). */
const SYNC_METHODS: ReadonlySet<PropertyKey> = new Set(['keyFor']);

const admins = new WeakMap<object, TenantCaches>();

/**
 * The tenants of one cache. Each tenant is a child namespace (`@tenant|<id>|`), so its keys, tags,
 * marks, patterns and `clear()` never reach another tenant's: the core scopes all of them by
 * namespace prefix. Shared entries live in their own child namespace (`@shared|`), so clearing them
 * leaves the tenants alone.
 */
export class TenantCaches {
  readonly #root: TieredCache;
  readonly #tenants: TieredCache;
  readonly #shared: TieredCache;
  /** Insertion-ordered, so the first key is the least recently used view. */
  readonly #views = new Map<string, TieredCache>();
  readonly #usage: TenantUsage | undefined;
  /** What callers inject: the cache itself, scoped to the tenant of each call. */
  readonly scoped: TieredCache;

  constructor(
    root: TieredCache,
    readonly name: string,
    readonly tenancy: ResolvedTenancy,
  ) {
    this.#root = root;
    const budget = tenancy.l1PerTenant;
    this.#tenants = root.namespace(TENANTS_NAMESPACE, undefined, budget === undefined ? undefined : { l1PerChild: budget });
    this.#shared = root.namespace(SHARED_NAMESPACE);
    this.#usage = tenancy.topTenants > 0 ? new TenantUsage(root, this.#tenants.prefix, tenancy.topTenants) : undefined;
    this.scoped = this.#proxy();
    admins.set(this.scoped, this);
  }

  /** The namespace of one tenant, whatever the current context (admin tools, tests). */
  forTenant(tenant: string): TieredCache {
    if (typeof tenant !== 'string' || tenant.length === 0) throw invalidTenant(tenant, 'forTenant()');
    let view = this.#views.get(tenant);
    if (view !== undefined) {
      this.#views.delete(tenant);
    } else {
      view = this.#tenants.namespace(tenant);
      if (this.#views.size >= this.tenancy.maxTenantViews) this.#views.delete(this.#views.keys().next().value!);
    }
    this.#views.set(tenant, view);
    return view;
  }

  /** The namespace shared by every tenant. */
  shared(): TieredCache {
    return this.#shared;
  }

  /** The admin API: clears every tenant's entries and the shared ones, on every instance. */
  async clearAll(): Promise<void> {
    await this.#root.clear();
  }

  /** Per-tenant counters (top tenants, then `other`); empty unless `tenancy.metrics.topTenants` is set. */
  usage(): TenantUsageRow[] {
    return this.#usage?.snapshot() ?? [];
  }

  /** The namespace of the current call; throws E_TENANT_REQUIRED when it has no tenant. */
  current(method: string): TieredCache {
    const scope = TenantContext.current();
    if (scope?.shared) return this.#shared;
    const tenant = scope?.tenant ?? this.tenancy.resolve(scope?.request as never);
    if (tenant === undefined || tenant === null || tenant === '') throw tenantRequired(this.name, method);
    if (typeof tenant !== 'string') throw invalidTenant(tenant, 'the tenancy resolver');
    return this.forTenant(tenant);
  }

  close(): void {
    this.#usage?.close();
  }

  // A Proxy rather than a subclass: TieredCache keeps its state in private fields, which a subclass
  // instance built outside `namespace()` would not share, and injecting by the TieredCache class
  // must keep working (instanceof holds through the proxy's prototype).
  #proxy(target: TieredCache = this.#root, view: (method: string) => TieredCache = (method) => this.current(method)): TieredCache {
    return new Proxy(target, {
      get: (_target, property) => {
        if (property === 'namespace') return (name: string, defaults?: EntryOptions) => this.#child(target, view, name, defaults);
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        if (typeof property !== 'string' || ENGINE_WIDE.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
        // Refused as the method itself fails: a promise-returning one rejects, a sync one (keyFor) throws.
        const rejects = !SYNC_METHODS.has(property);
        return (...args: unknown[]) => {
          let scoped: TieredCache;
          try {
            scoped = view(property);
          } catch (error) {
            if (rejects) return Promise.reject(error);
            throw error;
          }
          return Reflect.apply(Reflect.get(scoped, property, scoped) as (...a: unknown[]) => unknown, scoped, args);
        };
      },
    });
  }

  /**
   * `namespace(name)` of a scoped cache: itself scoped, resolving the tenant per call, so it can be
   * built at startup. It lives inside each tenant's namespace, so that tenant's clear() covers it.
   */
  #child(target: TieredCache, parent: (method: string) => TieredCache, name: string, defaults?: EntryOptions): TieredCache {
    const unscoped = target.namespace(name, defaults);
    // Per parent view, so the map shrinks as tenant views are dropped.
    const views = new WeakMap<TieredCache, TieredCache>();
    return this.#proxy(unscoped, (method) => {
      const outer = parent(method);
      let view = views.get(outer);
      if (view === undefined) views.set(outer, (view = outer.namespace(name, defaults)));
      return view;
    });
  }
}

/**
 * The tenant admin API behind a tenant-scoped cache (`forTenant`, `shared`, `clearAll`, `usage`),
 * or undefined for a cache that is not tenant-scoped.
 *
 * @example
 * await tenantsOf(cache)!.clearAll();
 */
export function tenantsOf(cache: TieredCache): TenantCaches | undefined {
  return admins.get(cache);
}
