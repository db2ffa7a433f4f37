export { TenantContext } from './tenant-context.js';
export type { TenantScope } from './tenant-context.js';
export { tenantFromHeader, tenantFromUser } from './tenancy.options.js';
export type { TenancyOptions, TenantRequest, TenantResolver } from './tenancy.options.js';
export { TenantCaches, tenantsOf } from './tenant-caches.js';
export type { TenantUsageRow } from './tenant-usage.js';
export { TenantShared } from './tenant-shared.decorator.js';
