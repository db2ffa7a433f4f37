import { ErrorCode, TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace } from '../support/redis.js';

// L1-only caches: an entry L1 dropped is a miss, so `has` tells what L1 still holds.
describe('per-child L1 budgets', () => {
  const caches: TieredCache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
  });

  function tenantsOf(l1: { maxBytes?: number; maxEntries?: number }, perChild: { maxBytes?: number; maxEntries?: number }) {
    const cache = new TieredCache({ namespace: 'budget', l1 });
    caches.push(cache);
    const tenants = cache.namespace('tenants', undefined, { l1PerChild: perChild });
    return { cache, a: tenants.namespace('a'), b: tenants.namespace('b') };
  }

  async function held(cache: TieredCache, count: number): Promise<number[]> {
    const found: number[] = [];
    for (let i = 0; i < count; i++) if (await cache.has(['row', i])) found.push(i);
    return found;
  }

  const row = 'x'.repeat(1_000); // about 2 kB in L1's estimate

  it('a child filling its byte budget evicts its own oldest entries, never another child’s', async () => {
    // Without the budget, a's 200 rows overflow L1's 60 kB and evict b's rows with them.
    const { a, b } = tenantsOf({ maxBytes: 60_000 }, { maxBytes: 20_000 });
    for (let i = 0; i < 5; i++) await b.set(['row', i], row);
    for (let i = 0; i < 200; i++) await a.set(['row', i], row);
    expect(await held(b, 5)).toEqual([0, 1, 2, 3, 4]);
    const kept = await held(a, 200);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(20);
    expect(kept.at(-1)).toBe(199);
    expect(kept[0]).toBe(200 - kept.length);
  });

  it('bounds the entry count too, so many small entries cannot take all of L1’s slots', async () => {
    const { a, b } = tenantsOf({ maxEntries: 30 }, { maxEntries: 10 });
    for (let i = 0; i < 5; i++) await b.set(['row', i], i);
    for (let i = 0; i < 100; i++) await a.set(['row', i], i);
    expect(await held(b, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(await held(a, 100)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });

  it('counts a child’s own child namespaces against its budget', async () => {
    const { a, b } = tenantsOf({ maxEntries: 30 }, { maxEntries: 10 });
    const reports = a.namespace('reports');
    for (let i = 0; i < 5; i++) await b.set(['row', i], i);
    for (let i = 0; i < 20; i++) await a.set(['row', i], i);
    for (let i = 0; i < 20; i++) await reports.set(['row', i], i);
    expect(await held(b, 5)).toEqual([0, 1, 2, 3, 4]);
    expect((await held(a, 20)).length + (await held(reports, 20)).length).toBe(10);
  });

  it('charges an overwritten key once: replacing a value never frees the new value’s share', async () => {
    const { a } = tenantsOf({ maxEntries: 30 }, { maxEntries: 3 });
    for (let i = 0; i < 3; i++) await a.set(['row', i], i);
    for (let i = 0; i < 3; i++) await a.set(['row', i], i + 100);
    for (let i = 3; i < 6; i++) await a.set(['row', i], i);
    expect(await held(a, 6)).toEqual([3, 4, 5]);
  });

  it('keeps a value larger than the budget out of L1, and drops the older value of its key', async () => {
    const { a } = tenantsOf({ maxBytes: 60_000 }, { maxBytes: 5_000 });
    await a.set('big', 'small');
    await a.set('big', row.repeat(5));
    expect(await a.has('big')).toBe(false);
  });

  it('frees the share of a deleted entry, and of a cleared namespace', async () => {
    const { a } = tenantsOf({ maxEntries: 30 }, { maxEntries: 3 });
    for (let i = 0; i < 3; i++) await a.set(['row', i], i);
    await a.delete(['row', 2]);
    await a.set(['row', 3], 3);
    expect(await held(a, 4)).toEqual([0, 1, 3]);
    await a.clear();
    for (let i = 10; i < 13; i++) await a.set(['row', i], i);
    expect(await held(a, 13)).toEqual([10, 11, 12]);
  });

  it('budgets the copies L1 takes of entries read from Redis too', async () => {
    const factory = new CacheFactory();
    try {
      const namespace = uniqueNamespace('budget');
      const partitioned = (cache: TieredCache) => cache.namespace('tenants', undefined, { l1PerChild: { maxEntries: 10 } });
      const reader = partitioned(factory.twoTier({ namespace, l1: { maxEntries: 30 } }));
      const writer = partitioned(factory.twoTier({ namespace }));
      const [a, b] = [reader.namespace('a'), reader.namespace('b')];
      for (let i = 0; i < 5; i++) await b.set(['row', i], i);
      for (let i = 0; i < 100; i++) await writer.namespace('a').set(['row', i], i);
      for (let i = 0; i < 100; i++) expect(await a.get(['row', i])).toBe(i);
      const tiers: string[] = [];
      b.events.on('hit', ({ tier }) => tiers.push(tier));
      for (let i = 0; i < 5; i++) expect(await b.get(['row', i])).toBe(i);
      expect(tiers).toEqual(['l1', 'l1', 'l1', 'l1', 'l1']);
    } finally {
      await factory.closeAll();
    }
  });

  it('refuses a budget that is not a positive integer', () => {
    const cache = new TieredCache({ namespace: 'budget' });
    caches.push(cache);
    for (const perChild of [{ maxBytes: 0 }, { maxEntries: 1.5 }, { maxBytes: '1' }, 'big']) {
      expect(() => cache.namespace('t', undefined, { l1PerChild: perChild as never })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    }
  });
});
