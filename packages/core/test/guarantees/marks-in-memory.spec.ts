import { TieredCache } from '../../src/index.js';
import { FaultTier } from '../../src/testing/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, redisUrl, silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

describe('marks this process keeps in memory', () => {
  it.each([
    ['L1 only', () => caches.l1Only()],
    ['L1 + L2', () => caches.twoTier()],
  ])('are never forgotten while an entry they invalidated can be read (%s)', async (_name, make) => {
    const cache = make();
    await cache.set('k', 'old', { tags: ['T'] });
    await cache.invalidateTags(['T']);
    for (let i = 0; i < 10_050; i += 50) {
      await cache.invalidateTags(Array.from({ length: 50 }, (_, j) => `other:${i + j}`));
    }
    expect(await cache.getOrSet('k', async () => 'new', { tags: ['T'] })).toBe('new');
    // 200 round trips to Redis: seconds on a busy machine.
  }, 30_000);
});

describe('a mark forgotten for room while L2 is unreachable', () => {
  it('never lets the L1 copy it invalidated be served again', async () => {
    let faults!: FaultTier;
    const cache = new TieredCache(
      { namespace: uniqueNamespace('forgot'), logger: silentLogger, l2: { redis: redisUrl() } },
      { wrapRemote: (tier) => (faults = new FaultTier(tier)) },
    );
    try {
      expect(await cache.ready()).toBe(true);
      await cache.set('k', 'old', { tags: ['T'] });
      await cache.invalidateTags(['T']);
      // T is forgotten for room, then L2 can't be asked about it.
      for (let i = 0; i < 10_050; i += 50) await cache.invalidateTags(Array.from({ length: 50 }, (_, j) => `other:${i + j}`));
      await cache.set('after', 'served');
      faults.partition();
      await eventually(() => cache.status().l2?.connected === false);
      expect(await cache.getOrSet('k', async () => 'new', { tags: ['T'] })).toBe('new');
      // What was written after every forgotten mark still serves from L1 through the outage.
      expect(await cache.getOrSet('after', async () => 'reloaded')).toBe('served');
    } finally {
      faults.heal();
      await cache.close();
    }
  }, 30_000);
});

describe('a mark this process no longer trusts, while L2 is unreachable', () => {
  it.each([
    ['soft', 'new'],
    ['hard', 'new'],
  ] as const)('still counts for what it %s-invalidated: the copy is reloaded, not served as fresh', async (mode, expected) => {
    let faults!: FaultTier;
    const cache = new TieredCache(
      { namespace: uniqueNamespace('untrusted'), logger: silentLogger, ttl: 600_000, l2: { redis: redisUrl() } },
      { wrapRemote: (tier) => (faults = new FaultTier(tier)) },
    );
    const realNow = Date.now;
    const clock = jest.spyOn(Date, 'now');
    try {
      expect(await cache.ready()).toBe(true);
      await cache.set('k', 'old', { tags: ['T'] });
      await cache.invalidateTags(['T'], { mode });
      faults.partition();
      await eventually(() => cache.status().l2?.connected === false);
      // Past the 30 s a mark is trusted before it is read again from L2, which can't be asked now.
      clock.mockImplementation(() => realNow() + 31_000);
      expect(await cache.getOrSet('k', async () => 'new', { tags: ['T'] })).toBe(expected);
    } finally {
      clock.mockRestore();
      faults.heal();
      await cache.close();
    }
  });
});
