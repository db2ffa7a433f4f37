import { Test, type TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { CacheModule, CacheRegistry, TieredCache } from '../../src/index.js';
import { registerTenantUsageMetrics } from '../../src/metrics/prometheus/index.js';
import { TenantContext } from '../../src/tenancy/index.js';
import { uniqueNamespace } from '../support.js';

describe('tenant label on metrics', () => {
  let moduleRef: TestingModule;

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('labels the top tenants and sums the rest as other, whatever the number of tenants', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('tenant-metrics'), tenancy: { resolve: () => undefined, metrics: { topTenants: 2 } } })],
    }).compile();
    await moduleRef.init();
    const cache = moduleRef.get(TieredCache);
    const registry = new Registry();
    const unregister = registerTenantUsageMetrics(moduleRef.get(CacheRegistry), { registry });
    try {
      for (let i = 0; i < 5; i++) await TenantContext.run('acme', () => cache.getOrSet(['k', i], () => i));
      for (let i = 0; i < 3; i++) await TenantContext.run('globex', () => cache.get(['k', i]));
      for (let t = 0; t < 20; t++) await TenantContext.run(`small-${t}`, () => cache.get('k'));
      const text = await registry.metrics();
      expect(text).toContain('tiercache_tenant_operations{cache="default",tenant="acme",kind="miss"} 5');
      expect(text).toContain('tiercache_tenant_operations{cache="default",tenant="acme",kind="load"} 5');
      expect(text).toContain('tiercache_tenant_operations{cache="default",tenant="globex",kind="miss"} 3');
      expect(text).toContain('tiercache_tenant_operations{cache="default",tenant="other",kind="miss"} 20');
      expect(text).not.toContain('small-');
    } finally {
      unregister();
    }
    expect(await registry.metrics()).not.toContain('tenant_operations');
  });
});
