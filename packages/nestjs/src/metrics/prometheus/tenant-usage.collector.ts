import { Gauge, register as defaultRegistry, type Registry } from 'prom-client';
import type { CacheRegistry } from '../../cache-registry.js';
import { tenantsOf } from '../../tenancy/tenant-caches.js';

export interface TenantUsageMetricsOptions {
  /** Default: prom-client's global registry. */
  registry?: Registry;
  /** Default `'tiercache_'`. */
  prefix?: string;
}

/**
 * Publishes `<prefix>tenant_operations{cache,tenant,kind}` (kind: hit, miss, load) for every
 * tenant-scoped cache with `tenancy.metrics.topTenants` set: the top tenants by traffic each with
 * their own label, every other tenant summed under `tenant="other"`. A gauge set at each scrape,
 * so the label set stays bounded by the top N whatever the number of tenants. Returns a function
 * that unregisters it.
 *
 * @example
 * registerTenantUsageMetrics(app.get(CacheRegistry), { registry })
 */
export function registerTenantUsageMetrics(caches: CacheRegistry, options: TenantUsageMetricsOptions = {}): () => void {
  const registry = options.registry ?? defaultRegistry;
  const name = `${options.prefix ?? 'tiercache_'}tenant_operations`;
  new Gauge({
    name,
    help: 'Cache hits, misses and loads per tenant (top tenants; the rest as "other").',
    labelNames: ['cache', 'tenant', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const cache of caches.names()) {
        for (const row of tenantsOf(caches.get(cache))?.usage() ?? []) {
          this.set({ cache, tenant: row.tenant, kind: 'hit' }, row.hits);
          this.set({ cache, tenant: row.tenant, kind: 'miss' }, row.misses);
          this.set({ cache, tenant: row.tenant, kind: 'load' }, row.loads);
        }
      }
    },
  });
  return () => registry.removeSingleMetric(name);
}
