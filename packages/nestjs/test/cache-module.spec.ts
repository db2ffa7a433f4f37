import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheModule, CacheRegistry, InjectCache, TieredCache, type CacheModuleOptions, type CacheModuleOptionsFactory } from '../src/index.js';
import { redisUrl, uniqueNamespace } from './support.js';

@Injectable()
class UsesCaches {
  constructor(
    readonly cache: TieredCache,
    @InjectCache('reports') readonly reports: TieredCache,
  ) {}
}

describe('CacheModule', () => {
  it('provides the default cache by class and named caches with @InjectCache', async () => {
    const namespace = uniqueNamespace('module');
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() }, caches: { reports: { ttl: 5_000 } } })],
      providers: [UsesCaches],
    }).compile();
    const { cache, reports } = moduleRef.get(UsesCaches);
    expect(cache).toBeInstanceOf(TieredCache);
    expect(reports.prefix).toBe(`${namespace}:reports|`);
    await reports.set('r', 1);
    expect(await cache.get('r')).toBeUndefined();
    expect(await reports.get('r')).toBe(1);
    await moduleRef.close();
  });

  it('builds its options with forRootAsync from injected configuration', async () => {
    @Injectable()
    class Config {
      readonly namespace = uniqueNamespace('async');
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRootAsync({
          imports: [ConfigModule],
          inject: [Config],
          useFactory: (config: Config) => ({ namespace: config.namespace, l2: { redis: redisUrl() }, caches: { reports: {} } }),
          cacheNames: ['reports'],
        }),
      ],
      providers: [UsesCaches],
    }).compile();
    const { cache } = moduleRef.get(UsesCaches);
    expect(cache.prefix).toBe(`${moduleRef.get(Config).namespace}:`);
    await moduleRef.close();
  });

  it('is global when asked, so feature modules need not import it', async () => {
    @Module({ providers: [UsesCaches] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ isGlobal: true, caches: { reports: {} } }), FeatureModule],
    }).compile();
    expect(moduleRef.get(UsesCaches).cache).toBeInstanceOf(TieredCache);
    await moduleRef.close();
  });

  it.each([
    [{ ttl: -1 }, 'ttl'],
    [{ l1: { maxBytes: 'lots' } }, 'l1.maxBytes'],
    [{ caches: { reports: { ttl: 'soon' } } }, 'caches.reports.ttl'],
    [{ caches: { default: {} } }, 'caches.default'],
  ])('fails at startup with a message naming the bad option %p', async (options, field) => {
    await expect(Test.createTestingModule({ imports: [CacheModule.forRoot(options as never)] }).compile()).rejects.toThrow(
      `\`${field}\``,
    );
  });

  it('closes the connections it created when the app closes, and never a client it was given', async () => {
    const given = new Redis(redisUrl());
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          l2: { redis: redisUrl() },
          caches: { mine: { l2: { redis: given } } },
        }),
      ],
    }).compile();
    const registry = moduleRef.get(CacheRegistry);
    await registry.get().set('x', 1);
    await registry.get('mine').set('y', 2);
    await moduleRef.close();
    expect(given.status).toBe('ready');
    await expect(registry.get().get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
    await given.quit();
  });

  it('builds its options with forRootAsync({ useClass }) from a CacheModuleOptionsFactory', async () => {
    const namespace = uniqueNamespace('use-class');
    @Injectable()
    class CacheConfig implements CacheModuleOptionsFactory {
      create(): CacheModuleOptions {
        return { namespace, l2: false, caches: { reports: {} } };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRootAsync({ useClass: CacheConfig, cacheNames: ['reports'] })],
      providers: [UsesCaches],
    }).compile();
    try {
      expect(moduleRef.get(UsesCaches).reports.prefix).toBe(`${namespace}:reports|`);
    } finally {
      await moduleRef.close();
    }
  });
});
