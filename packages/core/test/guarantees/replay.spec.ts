import { redisBehindProxy } from '../support/redis-behind-proxy.js';
import { CacheFactory } from '../support/cache-factory.js';
import { TieredCache } from '../../src/index.js';
import type { RemoteTier } from '../../src/tiers/remote-tier.js';
import { eventually, silentLogger, uniqueNamespace } from '../support/redis.js';

/** An instance that was cut off from Redis while it wrote must not overwrite what others did meanwhile. */
describe('writes made while partitioned', () => {
  const caches = new CacheFactory();
  const redis = redisBehindProxy(async () => {
    await caches.closeAll();
  });

  async function partitionedPair() {
    const namespace = uniqueNamespace('replay');
    const breaker = { failureThreshold: 1, openMs: 30, maxOpenMs: 100 };
    const a = caches.twoTier({ namespace, l2: { redis: redis.proxy.url, breaker } });
    const b = caches.twoTier({ namespace, l2: { redis: redis.server.url } });
    // Both up before the partition. With a breaker this tight, one slow command of a loaded machine
    // opens it for a moment, and ready() says false at once: ask again until both are.
    await eventually(async () => (await Promise.all([a.ready(), b.ready()])).every(Boolean), 10_000);
    redis.proxy.cut();
    await eventually(() => a.status().l2?.connected === false);
    const fresh = () => caches.twoTier({ namespace, l1: false, l2: { redis: redis.server.url } });
    return { a, b, fresh };
  }

  async function healed(a: { status(): { l2?: { connected: boolean; pendingWrites: number } } }) {
    redis.proxy.heal();
    await eventually(() => a.status().l2?.connected === true && a.status().l2?.pendingWrites === 0, 10_000);
  }

  it('never resurrects a value another instance deleted', async () => {
    const { a, b, fresh } = await partitionedPair();
    await a.set('k', 'A');
    await b.set('k', 'B');
    await b.delete('k');
    await healed(a);
    expect(await fresh().get('k')).toBeUndefined();
    expect(await b.get('k')).toBeUndefined();
    // A's own L1 copy went with the resync of its bus.
    await eventually(async () => (await a.get('k')) === undefined);
  }, 20_000);

  it('never lets a write that reached Redis late land over a newer delete', async () => {
    const namespace = uniqueNamespace('late');
    const a = caches.twoTier({ namespace, l2: { redis: redis.proxy.url } });
    const b = caches.twoTier({ namespace, l2: { redis: redis.server.url } });
    expect(await Promise.all([a.ready(), b.ready()])).toEqual([true, true]);
    // A hung link: A's SET waits in it past A's command timeout, then is delivered after B's delete.
    redis.proxy.freeze();
    await a.set('k', 'A');
    await b.set('k', 'B');
    await b.delete('k');
    redis.proxy.thaw();
    await eventually(() => a.status().l2?.breakerOpen === false && a.status().l2?.pendingWrites === 0, 10_000);
    expect(await caches.twoTier({ namespace, l1: false, l2: { redis: redis.server.url } }).get('k')).toBeUndefined();
  }, 20_000);

  it('lets the later of two sets win though the other instance’s clock runs ahead', async () => {
    const namespace = uniqueNamespace('skew');
    // B's clock reads 50 ms behind A's (its measured offset to Redis is off by that much).
    const behind = (tier: RemoteTier) =>
      new Proxy(tier, {
        get(target, property) {
          if (property === 'clockOffset') return (now: number) => target.clockOffset(now) - 50;
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const a = caches.twoTier({ namespace, l2: { redis: redis.server.url } });
    const b = new TieredCache({ namespace, logger: silentLogger, l2: { redis: redis.server.url } }, { wrapRemote: behind });
    try {
      expect(await Promise.all([a.ready(), b.ready()])).toEqual([true, true]);
      await a.set('k', 'A');
      await b.set('k', 'B');
      expect(await caches.twoTier({ namespace, l1: false, l2: { redis: redis.server.url } }).get('k')).toBe('B');
    } finally {
      await b.close();
    }
  });

  it('never overwrites a newer write of another instance', async () => {
    const { a, b, fresh } = await partitionedPair();
    await a.set('k', 'A');
    await b.set('k', 'B');
    await healed(a);
    // A's write must not land over B's. The replayed tombstone may still drop B's entry when the two
    // hosts' clocks disagree by more than the time between the writes (a cache may drop a write).
    expect(['B', undefined]).toContain(await fresh().get('k'));
    await eventually(async () => (await a.get('k')) !== 'A');
  }, 20_000);
});
