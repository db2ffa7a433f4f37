import { TieredCache } from '../../src/index.js';
import { FaultTier } from '../../src/testing/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, redisUrl, silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

/** An entry whose marks Redis cannot return is treated as possibly invalidated, never as fresh. */
describe('marks that cannot be read', () => {
  it('fail closed when Redis refuses to read one (real Redis: a mark key of the wrong type)', async () => {
    const namespace = uniqueNamespace('closed');
    const writer = caches.twoTier({ namespace });
    await writer.set('k', 'old', { tags: ['broken', 'killed'] });
    await writer.invalidateTags(['killed']);
    // HMGET of this mark now fails with WRONGTYPE, so the reader cannot learn any of the entry's marks.
    await admin.set(`${writer.prefix}|t|broken`, 'not a hash');
    const reader = caches.twoTier({ namespace });
    expect(await reader.get('k')).toBeUndefined();
    expect(await reader.getOrSet('k', async () => 'new', { tags: ['broken', 'killed'] })).toBe('new');
  });

  it('are never kept in L1, and serve only as a stale fallback', async () => {
    const namespace = uniqueNamespace('closed');
    const writer = caches.twoTier({ namespace });
    await writer.set('k', 'v', { tags: ['t'], grace: 60_000 });
    let faults!: FaultTier;
    const reader = new TieredCache(
      { namespace, logger: silentLogger, l2: { redis: redisUrl() } },
      { wrapRemote: (tier) => (faults = new FaultTier(tier)) },
    );
    caches.adopt(reader);
    expect(await reader.ready()).toBe(true);
    faults.fail('readMarks', 2); // the first read, and the second look after taking the load lock
    const stale: string[] = [];
    reader.events.on('stale', ({ reason }) => stale.push(reason));
    const loader = jest.fn(async () => 'loaded');
    // With grace the untrusted entry may answer at once, marked stale, while the load runs.
    expect(await reader.getOrSet('k', loader, { tags: ['t'], grace: 60_000 })).toBe('v');
    expect(stale).toEqual(['grace']);
    await eventually(() => loader.mock.calls.length === 1);
    // What L1 holds now is the fresh load, never the entry whose marks were unknown.
    await eventually(async () => (await reader.get('k')) === 'loaded');
    expect(loader).toHaveBeenCalledTimes(1);
  });
});
