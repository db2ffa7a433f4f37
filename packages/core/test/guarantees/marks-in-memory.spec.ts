import { CacheFactory } from '../support/cache-factory.js';
import { eventually } from '../support/redis.js';

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
    // An L1 copy whose mark is forgotten is checked with L2; with L2 skipped it serves, as in any
    // partition (see L1Store.classify). 10 000 mark writes can time out on a loaded machine and open
    // the breaker for a moment: what is asserted is the read with L2 in use.
    await eventually(() => cache.status().l2?.connected !== false && cache.status().l2?.breakerOpen !== true, 10_000);
    expect(await cache.getOrSet('k', async () => 'new', { tags: ['T'] })).toBe('new');
    // 200 round trips to Redis: seconds on a busy machine.
  }, 30_000);
});
