import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheModule, CacheRegistry, LockProvider } from '../../src/index.js';
import { redisUrl, uniqueNamespace } from '../support.js';

async function startWith(options: Record<string, unknown>): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot(options as never)] }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('CacheModule options at startup', () => {
  it.each([
    [{ tll: 1_000 }, '`tll`', 'Did you mean `ttl`?'],
    [{ l3: {} }, '`l3`', 'Did you mean `l1` or `l2`?'],
    [{ l1: { maxEntry: 10 } }, '`l1.maxEntry`', 'Did you mean `maxEntries`?'],
    [{ caches: { x: { tll: 5 } } }, '`caches.x.tll`', 'Did you mean `ttl`?'],
    [{ l2: { redis: 'redis://x', breaker: { openMS: 1 } } }, '`l2.breaker.openMS`', 'Did you mean `openMs`?'],
  ])('rejects the unknown key of %j with its path and a suggestion', async (options, path, hint) => {
    const error = (await startWith(options)) as Error & { code: string };
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain(path);
    expect(error.message).toContain(hint);
  });

  it.each(['not a url', 'http://localhost:6379', 'redis://'])('names l2.redis and the accepted forms for %p', async (redis) => {
    const error = (await startWith({ l2: { redis } })) as Error & { code: string };
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toMatch(/`l2\.redis`.*redis:\/\/.*ioredis options/);
    expect(error.message).not.toContain('Invalid URL');
  });

  it('names the named cache whose l2.redis is not a URL', async () => {
    const error = (await startWith({ caches: { s: { l2: { redis: 'nope' } } } })) as Error;
    expect(error.message).toContain('`caches.s.l2.redis`');
  });
});

describe('named caches and the app namespace', () => {
  it('keeps a separate named cache (own l1/l2/version) under the app namespace', async () => {
    const namespace = uniqueNamespace('named');
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          namespace,
          l2: { redis: redisUrl() },
          caches: { sessions: { version: 2, l1: { maxEntries: 10 } }, shared: { rootNamespace: `${namespace}-shared` } },
        }),
      ],
    }).compile();
    const registry = moduleRef.get(CacheRegistry);
    try {
      expect(registry.get('sessions').prefix).toBe(`${namespace}|v2:sessions|`);
      expect(registry.get('shared').prefix).toBe(`${namespace}-shared:shared|`);
      // A write before the connection is up skips L2 (by design): wait for it, as a busy machine is slow.
      expect(await registry.get('sessions').ready()).toBe(true);
      await registry.get('sessions').set('k', 1);
      const redis = new Redis(redisUrl());
      try {
        expect(await redis.exists(`${namespace}|v2:sessions|k`)).toBe(1);
      } finally {
        redis.disconnect();
      }
    } finally {
      await moduleRef.close();
    }
  });

  it('scopes the lock keys of the module lock provider by namespace', async () => {
    const [a, b] = [uniqueNamespace('lock-a'), uniqueNamespace('lock-b')];
    const apps = await Promise.all(
      [a, b].map(async (namespace) => {
        const app = await Test.createTestingModule({ imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } })] }).compile();
        return app.init();
      }),
    );
    const redis = new Redis(redisUrl());
    try {
      const [first, second] = apps.map((app) => app.get(LockProvider));
      const held = await first!.tryAcquire('job', { ttlMs: 5_000 });
      // The other app has its own lock of the same name.
      const other = await second!.tryAcquire('job', { ttlMs: 5_000 });
      expect(held).toBeDefined();
      expect(other).toBeDefined();
      expect(await redis.exists(`${a}:lock:{job}`)).toBe(1);
      await held!.release();
      await other!.release();
    } finally {
      redis.disconnect();
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
