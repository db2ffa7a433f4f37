import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ErrorCode, TieredCache } from '@tiercache/core';
import { CacheEvict, CacheModule, Cacheable, CacheTags, getCacheToken } from '../../src/index.js';
import { TenantContext, TenantShared, tenantFromHeader, tenantsOf } from '../../src/tenancy/index.js';
import { redisUrl, uniqueNamespace } from '../support.js';

@Injectable()
class ScoresService {
  readonly loads: string[] = [];
  readonly rows = new Map<string, number>();

  @Cacheable({ key: (agent: number) => ['score', agent] })
  @CacheTags((agent: number) => `agent:${agent}`)
  async score(agent: number): Promise<string> {
    const tenant = TenantContext.current()?.tenant ?? 'none';
    this.loads.push(`${tenant}:${agent}`);
    return `${tenant}:${agent}:${this.rows.get(`${tenant}:${agent}`) ?? 0}`;
  }

  @CacheEvict({ tags: (agent: number) => [`agent:${agent}`] })
  async vote(agent: number): Promise<void> {
    const tenant = TenantContext.current()!.tenant!;
    this.rows.set(`${tenant}:${agent}`, (this.rows.get(`${tenant}:${agent}`) ?? 0) + 1);
  }

  @TenantShared()
  @Cacheable({ key: 'countries' })
  async countries(): Promise<string[]> {
    this.loads.push('countries');
    return ['fr', 'nz'];
  }
}

describe('tenant-scoped caches', () => {
  let moduleRef: TestingModule;
  let cache: TieredCache;
  let service: ScoresService;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          namespace: uniqueNamespace('tenancy'),
          l2: { redis: redisUrl() },
          caches: { reference: {} },
          tenancy: { resolve: tenantFromHeader('x-tenant'), sharedCaches: ['reference'], metrics: { topTenants: 1 } },
        }),
      ],
      providers: [ScoresService],
    }).compile();
    await moduleRef.init();
    cache = moduleRef.get(TieredCache);
    service = moduleRef.get(ScoresService);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('keeps keys apart: the same key holds a different value per tenant', async () => {
    await TenantContext.run('acme', () => cache.set('greeting', 'hello acme'));
    await TenantContext.run('globex', () => cache.set('greeting', 'hello globex'));
    expect(await TenantContext.run('acme', () => cache.get('greeting'))).toBe('hello acme');
    expect(await TenantContext.run('globex', () => cache.get('greeting'))).toBe('hello globex');
    expect(await tenantsOf(cache)!.forTenant('acme').get('greeting')).toBe('hello acme');
  });

  it.each([[''], [42], [undefined]])('refuses TenantContext.run(%p) with a typed error, running nothing', (tenant) => {
    const fn = jest.fn();
    expect(() => TenantContext.run(tenant as never, fn)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses forTenant() of an empty or non-string id', () => {
    for (const tenant of ['', 7]) {
      expect(() => tenantsOf(cache)!.forTenant(tenant as never)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    }
  });

  it('resolves the tenant from the request the interceptor puts in context', async () => {
    const request = { headers: { 'x-tenant': 'acme' } };
    expect(await TenantContext.withRequest(request, () => cache.get('greeting'))).toBe('hello acme');
  });

  it('refuses a call with no tenant: a typed error, the loader never runs, nothing is stored', async () => {
    const loader = jest.fn(async () => 'leaked');
    await expect(cache.getOrSet('orphan', loader)).rejects.toMatchObject({ code: ErrorCode.TenantRequired });
    await expect(cache.set('orphan', 1)).rejects.toMatchObject({ code: ErrorCode.TenantRequired });
    expect(() => cache.keyFor('orphan')).toThrow(expect.objectContaining({ code: ErrorCode.TenantRequired }));
    expect(loader).not.toHaveBeenCalled();
    expect(await tenantsOf(cache)!.shared().has('orphan')).toBe(false);
    await expect(service.score(1)).rejects.toMatchObject({ code: ErrorCode.TenantRequired });
  });

  it('scopes tags: a write of one tenant invalidates only its own `agent:1`', async () => {
    expect(await TenantContext.run('acme', () => service.score(1))).toBe('acme:1:0');
    expect(await TenantContext.run('globex', () => service.score(1))).toBe('globex:1:0');
    service.loads.length = 0;
    await TenantContext.run('acme', () => service.vote(1));
    expect(await TenantContext.run('acme', () => service.score(1))).toBe('acme:1:1');
    expect(await TenantContext.run('globex', () => service.score(1))).toBe('globex:1:0');
    expect(service.loads).toEqual(['acme:1']);
  });

  it('scopes deleteByPattern and clear() to the current tenant; clearAll() is the admin API', async () => {
    for (const tenant of ['acme', 'globex']) {
      await TenantContext.run(tenant, () => cache.setMany([{ key: 'p:1', value: tenant }, { key: 'p:2', value: tenant }]));
    }
    expect(await TenantContext.run('acme', () => cache.deleteByPattern('p:*'))).toBe(2);
    expect(await TenantContext.run('globex', () => cache.getMany(['p:1', 'p:2']))).toEqual(new Map([['p:1', 'globex'], ['p:2', 'globex']]));
    await TenantContext.run('globex', () => cache.clear());
    expect(await TenantContext.run('globex', () => cache.get('greeting'))).toBeUndefined();
    expect(await TenantContext.run('acme', () => cache.get('greeting'))).toBe('hello acme');
    await TenantContext.shared(() => cache.set('banner', 'shared'));
    await tenantsOf(cache)!.clearAll();
    expect(await TenantContext.run('acme', () => cache.get('greeting'))).toBeUndefined();
    expect(await TenantContext.shared(() => cache.get('banner'))).toBeUndefined();
  });

  it('serves methods marked @TenantShared from one namespace for every tenant', async () => {
    service.loads.length = 0;
    expect(await TenantContext.run('acme', () => service.countries())).toEqual(['fr', 'nz']);
    expect(await TenantContext.run('globex', () => service.countries())).toEqual(['fr', 'nz']);
    expect(await service.countries()).toEqual(['fr', 'nz']);
    expect(service.loads).toEqual(['countries']);
  });

  it('leaves caches named in sharedCaches unscoped', async () => {
    const reference = moduleRef.get<TieredCache>(getCacheToken('reference'));
    expect(tenantsOf(reference)).toBeUndefined();
    await reference.set('currency', 'EUR');
    expect(await TenantContext.run('acme', () => reference.get('currency'))).toBe('EUR');
  });

  it('scopes child namespaces too, resolving the tenant per call, so they can be built at startup', async () => {
    const reports = cache.namespace('reports');
    await TenantContext.run('acme', () => reports.set('q1', 'acme q1'));
    await TenantContext.run('globex', () => reports.set('q1', 'globex q1'));
    expect(await TenantContext.run('globex', () => reports.get('q1'))).toBe('globex q1');
    await expect(reports.get('q1')).rejects.toMatchObject({ code: ErrorCode.TenantRequired });
    await TenantContext.run('acme', () => cache.clear());
    expect(await TenantContext.run('acme', () => reports.get('q1'))).toBeUndefined();
    expect(await TenantContext.run('globex', () => reports.get('q1'))).toBe('globex q1');
  });

  it('runs a method it does not know (added to TieredCache later) in the tenant’s namespace, or refuses it', async () => {
    const prototype = TieredCache.prototype as unknown as Record<string, unknown>;
    prototype.prefixSeen = async function (this: TieredCache) {
      return this.prefix;
    };
    try {
      const scoped = cache as unknown as { prefixSeen(): Promise<string> };
      await expect(scoped.prefixSeen()).rejects.toMatchObject({ code: ErrorCode.TenantRequired });
      expect(await TenantContext.run('acme', () => scoped.prefixSeen())).toBe(tenantsOf(cache)!.forTenant('acme').prefix);
    } finally {
      delete prototype.prefixSeen;
    }
  });

  it('shares only the engine-wide methods; every other one refuses a call with no tenant', async () => {
    const shared = ['constructor', 'namespace', 'stats', 'status', 'l2Health', 'ready', 'close', 'purgeOtherVersions'];
    const methods = Object.getOwnPropertyNames(TieredCache.prototype).filter(
      (name) => typeof Object.getOwnPropertyDescriptor(TieredCache.prototype, name)!.value === 'function' && !shared.includes(name),
    );
    expect(methods.length).toBeGreaterThan(10);
    for (const name of methods) {
      const method = (cache as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const outcome = await (async () => method('k', async () => 'v'))().then(
        () => 'ran',
        (error: { code?: string }) => error.code,
      );
      expect([name, outcome]).toEqual([name, ErrorCode.TenantRequired]);
    }
  });

  it('counts usage per tenant with bounded labels: the top N, then `other`', async () => {
    for (let i = 0; i < 50; i++) await TenantContext.run('acme', () => cache.get(['u', i]));
    await TenantContext.run('globex', () => cache.get('u'));
    await TenantContext.run('initech', () => cache.get('u'));
    const rows = tenantsOf(cache)!.usage();
    expect(rows.map((row) => row.tenant)).toEqual(['acme', 'other']);
    expect(rows[1]!.misses).toBeGreaterThanOrEqual(2);
  });
});
