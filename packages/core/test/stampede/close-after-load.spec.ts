import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

/**
 * The write of a loaded value and the fleet lock's release happen behind the caller. A process that
 * answers and shuts down at once (a job, a serverless handler, a rolling restart) must still leave
 * both behind: a lock left held makes every other process wait out its lease, then load again.
 */
describe('closing right after a load', () => {
  it('stores the value and releases the fleet lock before the connection closes', async () => {
    const namespace = uniqueNamespace('close-after-load');
    const first = caches.twoTier({ namespace });
    expect(await first.ready()).toBe(true);
    expect(await first.getOrSet('k', async () => 'loaded')).toBe('loaded');
    const fullKey = first.keyFor('k');
    await first.close();

    expect(await admin.get(fullKey)).not.toBeNull();
    const locks = await admin.keys('tiercache:load:*');
    expect(locks.filter((lock) => lock.includes(fullKey))).toEqual([]);

    // Another process reads it, and runs no loader.
    const second = caches.twoTier({ namespace });
    expect(await second.ready()).toBe(true);
    const loader = jest.fn(async () => 'loaded again');
    expect(await second.getOrSet('k', loader)).toBe('loaded');
    expect(loader).not.toHaveBeenCalled();
  });

  it('hands back the lock it took to find the holder’s value, before the connection closes', async () => {
    const namespace = uniqueNamespace('close-after-wait');
    const holder = caches.twoTier({ namespace });
    const waiter = caches.twoTier({ namespace });
    expect(await Promise.all([holder.ready(), waiter.ready()])).toEqual([true, true]);
    let loading!: () => void;
    const started = new Promise<void>((resolve) => (loading = resolve));
    const held = holder.getOrSet('k', async () => (loading(), await new Promise((resolve) => setTimeout(resolve, 200)), 'loaded'));
    await started;
    // The waiter is woken by the holder's release, takes the lock with the value in one script, and
    // must give the lock back although it closes as soon as it has answered.
    const loader = jest.fn(async () => 'loaded again');
    expect(await waiter.getOrSet('k', loader)).toBe('loaded');
    await waiter.close();
    expect(loader).not.toHaveBeenCalled();
    expect(await held).toBe('loaded');
    const fullKey = holder.keyFor('k');
    expect((await admin.keys('tiercache:load:*')).filter((lock) => lock.includes(fullKey))).toEqual([]);
  });
});
