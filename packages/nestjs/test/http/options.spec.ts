import { Controller, Get } from '@nestjs/common';
import { ErrorCode } from '@tiercache/core';
import { Test } from '@nestjs/testing';
import { CacheModule } from '../../src/index.js';
import { HttpCache, HttpCacheModule } from '../../src/http/index.js';
import { resolveHttpCacheOptions } from '../../src/http/http-cache.options.js';
import { tenantFromHeader, tenantFromUser } from '../../src/tenancy/index.js';

describe('option checks', () => {
  it('names the bad route option when the decorator runs', () => {
    expect(() => HttpCache({ ttl: -1 })).toThrow('`@HttpCache.ttl`');
    expect(() => HttpCache({ vary: ['accept-language', ''] })).toThrow('`@HttpCache.vary`');
    expect(() => HttpCache({ tags: [42 as never] })).toThrow('`@HttpCache.tags`');
    expect(() => HttpCache({ key: 'fixed' as never })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }));
  });

  it('checks module options once, with defaults that depend on NODE_ENV', () => {
    expect(() => HttpCacheModule.forRoot({ cacheHeader: 'bad header' })).toThrow('`cacheHeader`');
    expect(resolveHttpCacheOptions({}).cacheHeader).toBe('x-cache');
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(resolveHttpCacheOptions({}).cacheHeader).toBe(false);
      expect(resolveHttpCacheOptions({ cacheHeader: 'X-Served' }).cacheHeader).toBe('x-served');
    } finally {
      process.env.NODE_ENV = env;
    }
  });

  it('fails startup on a bad tenancy option, naming it', async () => {
    const start = (tenancy: unknown) => Test.createTestingModule({ imports: [CacheModule.forRoot({ tenancy: tenancy as never })] }).compile();
    await expect(start({})).rejects.toThrow('`tenancy.resolve`');
    await expect(start({ resolve: () => 'a', maxTenantViews: 0 })).rejects.toThrow('`tenancy.maxTenantViews`');
  });

  it('fails startup when a route names a cache CacheModule does not define', async () => {
    @Controller('typo')
    class TypoController {
      @Get()
      @HttpCache({ cache: 'reprots' })
      read() {
        return 'never';
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ caches: { reports: {} } }), HttpCacheModule.forRoot()],
      controllers: [TypoController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(app.init()).rejects.toThrow('`@HttpCache on TypoController.read.cache`: the cache "reprots" is not defined in CacheModule (defined: default, reports)');
    } finally {
      await app.close();
    }
  });

  it('reads the tenant from a header or a verified user claim', () => {
    expect(tenantFromHeader('X-Tenant')({ headers: { 'x-tenant': ['acme', 'other'] } })).toBe('acme');
    expect(tenantFromHeader('x-tenant')(undefined)).toBeUndefined();
    expect(tenantFromUser('tid')({ user: { tid: 42 } })).toBe('42');
    expect(tenantFromUser('tid')({ headers: { authorization: 'Bearer forged' } })).toBeUndefined();
  });
});
