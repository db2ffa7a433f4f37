import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { InProcessLockProvider, LockProvider, TieredCache } from '@tiercache/core';
import { CacheModule } from '@tiercache/nestjs';
import { CacheWarmer, WarmerRegistry, WarmersModule, type WarmerContext } from '@tiercache/nestjs/warmers';
import { Redis } from 'ioredis';
import { deferred, redisUrl, uniqueNamespace } from '../support.js';

const WARMER = uniqueNamespace('shared-name');
let gate = deferred<void>();
let started = deferred<void>();

@Injectable()
class SameNameWarmer {
  @CacheWarmer({ name: WARMER })
  async warm(ctx: WarmerContext): Promise<void> {
    started.resolve();
    await gate.promise;
    await ctx.setMany([{ key: 'warm', value: 1 }]);
  }
}

@Injectable()
class CarelessWarmer {
  late: Promise<unknown> | undefined;
  lateChild: Promise<unknown> | undefined;

  @CacheWarmer({ name: 'careless', timeoutMs: 30, exclusive: false })
  async warm(ctx: WarmerContext): Promise<void> {
    // Ignores its signal: the writes it makes after the timeout must not land.
    await gate.promise;
    this.late = ctx.cache.set('late', 1).then(() => 'written', (error: unknown) => error);
    this.lateChild = ctx.cache.namespace('child').set('late', 1).then(() => 'written', (error: unknown) => error);
  }
}

async function app(namespace: string, redis: string, providers: Function[]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ namespace, l2: { redis } }), WarmersModule.forRoot()],
    providers: providers as never[],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('warmers and their locks', () => {
  const apps: TestingModule[] = [];
  afterEach(async () => {
    gate.resolve();
    await Promise.all(apps.splice(0).map((moduleRef) => moduleRef.close()));
  });

  it('rejects unknown or misspelt WarmersModule options at declaration', () => {
    expect(() => WarmersModule.forRoot({ startup: 'now' } as never)).toThrow(/`WarmersModule\.forRoot\.startup`: expected 'await' or 'background'/);
    expect(() => WarmersModule.forRoot({ lockTtl: 5 } as never)).toThrow(/`WarmersModule\.forRoot\.lockTtl`.*Did you mean `lockTtlMs`\?/);
  });

  it('scopes warmer locks by namespace, on the module’s own lock provider', async () => {
    gate = deferred<void>();
    started = deferred<void>();
    const [a, b] = [uniqueNamespace('app-a'), uniqueNamespace('app-b')];
    apps.push(await app(a, redisUrl(), [SameNameWarmer]), await app(b, redisUrl(), [SameNameWarmer]));
    const first = apps[0]!.get(WarmerRegistry).run(WARMER);
    await started.promise;
    const redis = new Redis(redisUrl());
    try {
      expect(await redis.exists(`${a}:lock:{warmer:${WARMER}}`)).toBe(1);
      // The module's LockProvider is the one the warmer holds: the same resource is taken.
      expect(await apps[0]!.get(LockProvider).tryAcquire(`warmer:${WARMER}`)).toBeUndefined();
    } finally {
      redis.disconnect();
    }
    // Another app on the same Redis, with a warmer of the same name, is not blocked by it.
    const second = apps[1]!.get(WarmerRegistry).run(WARMER);
    gate.resolve();
    expect((await Promise.all([first, second])).map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
  });

  it('skips (not fails) an exclusive warmer’s tick when Redis is down, with the reason', async () => {
    gate = deferred<void>();
    gate.resolve();
    // Nothing listens on port 1: the cache runs on L1, the lock cannot be asked for.
    apps.push(await app(uniqueNamespace('down'), 'redis://127.0.0.1:1', [SameNameWarmer]));
    const warmers = apps[0]!.get(WarmerRegistry);
    const result = await warmers.run(WARMER);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'lock-unavailable', error: expect.any(Error) });
    expect(warmers.status(WARMER)).toMatchObject({ lastError: undefined, lastSkip: { reason: 'lock-unavailable' }, runs: { failed: 0, skipped: 1 } });
  });

  it('refuses ctx.cache writes once the run’s signal is aborted', async () => {
    gate = deferred<void>();
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ l2: false, namespace: uniqueNamespace('late') }), WarmersModule.forRoot({ lockProvider: new InProcessLockProvider() })],
      providers: [CarelessWarmer],
    }).compile();
    await moduleRef.init();
    apps.push(moduleRef);
    expect(await moduleRef.get(WarmerRegistry).run('careless')).toMatchObject({ outcome: 'failed', error: { code: 'E_LOADER_TIMEOUT' } });
    gate.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const warmer = moduleRef.get(CarelessWarmer);
    expect(await warmer.late).toMatchObject({ code: 'E_LOADER_TIMEOUT' });
    expect(await warmer.lateChild).toMatchObject({ code: 'E_LOADER_TIMEOUT' });
    const cache = moduleRef.get(TieredCache);
    expect(await cache.get('late')).toBeUndefined();
    expect(await cache.namespace('child').get('late')).toBeUndefined();
  });
});
