import { ErrorCode, TiercacheError } from '@tiercache/core';

export function tenantRequired(cache: string, method: string): TiercacheError {
  return new TiercacheError(
    ErrorCode.TenantRequired,
    `The cache "${cache}" is tenant-scoped and ${method}() was called with no tenant in context, so nothing was read or cached. ` +
      'Serve the call through HttpCacheInterceptor with a request the tenancy resolver recognises, wrap background work in ' +
      'TenantContext.run(tenant, fn), or mark it shared (@TenantShared(), TenantContext.shared(fn), or @HttpCache({ shared: true }) on a route).',
  );
}

/** `source`: where the bad id came from (the resolver, `TenantContext.run`, `forTenant`). */
export function invalidTenant(value: unknown, source: string): TiercacheError {
  const got = typeof value === 'string' ? 'an empty string' : typeof value;
  return new TiercacheError(
    ErrorCode.InvalidArgument,
    `Invalid tenant: ${source} got ${got}; a tenant id is a non-empty string (a resolver returns undefined when there is no tenant).`,
  );
}
