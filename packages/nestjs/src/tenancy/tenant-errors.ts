import { ErrorCode, TiercacheError } from '@tiercache/core';

export function tenantRequired(cache: string, method: string): TiercacheError {
  return new TiercacheError(
    ErrorCode.TenantRequired,
    `The cache "${cache}" is tenant-scoped and ${method}() was called with no tenant in context, so nothing was read or cached. ` +
      'Serve the call through HttpCacheInterceptor with a request the tenancy resolver recognises, wrap background work in ' +
      'TenantContext.run(tenant, fn), or mark it shared (@TenantShared(), TenantContext.shared(fn), or @HttpCache({ shared: true }) on a route).',
  );
}

export function invalidTenant(value: unknown): TiercacheError {
  return new TiercacheError(
    ErrorCode.InvalidArgument,
    `Invalid tenant: the tenancy resolver returned ${typeof value}; return a non-empty string, or undefined when there is no tenant.`,
  );
}
