import { AsyncLocalStorage } from 'node:async_hooks';
import { invalidTenant } from './tenant-errors.js';

/** What a tenant-scoped cache call can learn about who it runs for. */
export interface TenantScope {
  /** Set by `TenantContext.run`: wins over the resolver. */
  readonly tenant?: string;
  /** Set by `TenantContext.shared`, `@TenantShared()` or a route marked shared: the shared namespace. */
  readonly shared?: boolean;
  /** The HTTP request being served, set by the HTTP cache interceptor, handed to the resolver. */
  readonly request?: unknown;
}

// One store for the whole process: the scope is a property of the call, not of an application, so
// several Nest apps in one process (tests) can share it without seeing each other's requests.
const storage = new AsyncLocalStorage<TenantScope>();

/**
 * Runs code for a tenant, or as shared, outside an HTTP request (warmers, cron jobs, queue
 * consumers). Tenant-scoped caches called inside `fn` use that tenant's namespace.
 *
 * @example
 * for (const tenant of ['acme', 'globex']) await TenantContext.run(tenant, () => service.warm());
 */
export const TenantContext = {
  run<T>(tenant: string, fn: () => T): T {
    if (typeof tenant !== 'string' || tenant.length === 0) throw invalidTenant(tenant, 'TenantContext.run()');
    return storage.run({ ...storage.getStore(), tenant, shared: false }, fn);
  },

  /** Runs `fn` against the shared (not per-tenant) namespace of tenant-scoped caches. */
  shared<T>(fn: () => T): T {
    return storage.run({ ...storage.getStore(), shared: true }, fn);
  },

  /** Makes `request` available to the tenant resolver for everything `fn` starts. */
  withRequest<T>(request: unknown, fn: () => T): T {
    return storage.run({ ...storage.getStore(), request }, fn);
  },

  /** The scope of the current call, if any. */
  current(): TenantScope | undefined {
    return storage.getStore();
  },
};
