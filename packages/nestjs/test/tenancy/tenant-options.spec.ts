import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ErrorCode } from '@tiercache/core';
import { CacheModule, Cacheable } from '../../src/index.js';
import type { CacheModuleOptions } from '../../src/cache-module.options.js';
import { TenantContext, tenantFromHeader } from '../../src/tenancy/index.js';
import { uniqueNamespace } from '../support.js';

@Injectable()
class RowsService {
  readonly loads: string[] = [];

  @Cacheable({ key: (row: number) => ['row', row] })
  async row(row: number): Promise<string> {
    const tenant = TenantContext.current()!.tenant!;
    this.loads.push(`${tenant}:${row}`);
    return `${tenant}:${row}`;
  }
}

async function start(options: CacheModuleOptions): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot(options)], providers: [RowsService] }).compile();
  await moduleRef.init();
  return moduleRef;
}

async function startupError(options: CacheModuleOptions): Promise<Error & { code?: string }> {
  const moduleRef = await start(options).catch((error: Error) => error);
  if (!(moduleRef instanceof Error)) {
    await moduleRef.close();
    throw new Error('expected startup to fail');
  }
  return moduleRef;
}

const resolve = tenantFromHeader('x-tenant');

describe('tenancy options', () => {
  it('gives each tenant its own share of L1: one tenant flooding it never evicts another’s entries', async () => {
    // L1 only, so an evicted entry shows as a second load. Without the budget, acme's 100 rows
    // overflow L1's 30 slots and evict globex's.
    const moduleRef = await start({ namespace: uniqueNamespace('budget'), l1: { maxEntries: 30 }, tenancy: { resolve, l1PerTenant: { maxEntries: 10 } } });
    try {
      const rows = moduleRef.get(RowsService);
      for (let i = 0; i < 5; i++) await TenantContext.run('globex', () => rows.row(i));
      for (let i = 0; i < 100; i++) await TenantContext.run('acme', () => rows.row(i));
      rows.loads.length = 0;
      for (let i = 0; i < 5; i++) await TenantContext.run('globex', () => rows.row(i));
      expect(rows.loads).toEqual([]);
      await TenantContext.run('acme', () => rows.row(0));
      expect(rows.loads).toEqual(['acme:0']);
    } finally {
      await moduleRef.close();
    }
  });

  it.each([
    [{ l1PerTenant: { maxBytes: 0 } }, '`tenancy.l1PerTenant.maxBytes`'],
    [{ l1PerTenant: { maxEntries: 2.5 } }, '`tenancy.l1PerTenant.maxEntries`'],
    [{ l1PerTenant: 'small' }, '`tenancy.l1PerTenant`'],
    [{ l1PerTenat: { maxBytes: 1 } }, '`tenancy.l1PerTenat`'],
    [{ metrics: { topTenant: 3 } }, '`tenancy.metrics.topTenant`'],
  ])('fails startup on tenancy option %j, naming it', async (tenancy, path) => {
    const error = await startupError({ namespace: uniqueNamespace('bad'), tenancy: { resolve, ...(tenancy as object) } as never });
    expect(error.code).toBe(ErrorCode.InvalidOption);
    expect(error.message).toContain(path);
  });

  it.each([
    [{ caches: { x: { namespace: '@tenant' } } }, '`caches.x.namespace`'],
    [{ caches: { '@shared': {} } }, '`caches.@shared`'],
  ])('refuses a named cache that would share the tenants’ reserved namespaces: %j', async (options, path) => {
    // `@tenant|` holds every tenant of the root cache: a cache there could clear or read them all.
    const error = await startupError({ namespace: uniqueNamespace('reserved'), tenancy: { resolve }, ...options });
    expect(error.code).toBe(ErrorCode.InvalidOption);
    expect(error.message).toContain(path);
  });
});
