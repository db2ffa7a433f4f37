import { CacheFactory } from '../support/cache-factory.js';

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
