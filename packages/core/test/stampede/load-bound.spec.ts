import { ErrorCode, TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const hung: (() => void)[] = [];
afterEach(async () => {
  for (const settle of hung.splice(0)) settle();
  await caches.closeAll();
});

/** A loader that settles only when told to (`settle`), with `value`; `started` resolves when it runs. */
function hangingLoader(value: string) {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  hung.push(() => settle());
  let calls = 0;
  const loader = async () => (calls++, started(), await settled, value);
  return { loader, running, settle: () => settle(), calls: () => calls };
}

function counting(value: string) {
  let calls = 0;
  return { loader: async () => (calls++, value), calls: () => calls };
}

describe.each([
  ['L1 only', () => caches.l1Only()],
  ['L1 + L2', () => caches.twoTier()],
  ['L2 only', () => caches.l2Only()],
])('the load bound (%s)', (_name, make) => {
  it('abandons a loader that never settles: its caller times out, its joiners and later callers load themselves', async () => {
    const cache = make();
    const never = hangingLoader('late');
    const owner = cache.getOrSet('k', never.loader, { loadTimeout: 200 });
    await never.running;
    const joinerLoader = counting('fresh');
    // Joins the hung flight; once it is abandoned it loads for itself.
    const joiner = cache.getOrSet('k', joinerLoader.loader, { loadTimeout: 200 });
    await expect(owner).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
    expect(await joiner).toBe('fresh');
    expect(joinerLoader.calls()).toBe(1);
    expect(never.calls()).toBe(1);
  });

  it('never stores the late value of an abandoned loader over a newer one', async () => {
    const cache = make();
    const never = hangingLoader('late');
    const owner = cache.getOrSet('late', never.loader, { loadTimeout: 100 });
    await expect(owner).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
    expect(await cache.getOrSet('late', async () => 'newer')).toBe('newer');
    never.settle();
    // Whatever the abandoned load does with its value happens within a few turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await cache.get('late')).toBe('newer');
  });

  it('serves the stale value, within grace, when the load is abandoned', async () => {
    const cache = make();
    await cache.set('stale', 'old', { ttl: 1, grace: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const never = hangingLoader('late');
    // A soft timeout longer than the bound: the call waits for the load, which is abandoned first.
    expect(await cache.getOrSet('stale', never.loader, { ttl: 1, grace: 60_000, softTimeout: 10_000, loadTimeout: 100 })).toBe('old');
  });
});

describe('the load bound across instances', () => {
  it("releases the fleet lock of an abandoned load: the other instance's waiter loads itself, and the late value never lands", async () => {
    const namespace = uniqueNamespace('bound');
    const [a, b] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await Promise.all([a.ready(), b.ready()]);
    const never = hangingLoader('late');
    const holder = a.getOrSet('k', never.loader, { loadTimeout: 300 });
    await never.running;
    const waits: number[] = [];
    b.events.on('lock:wait', ({ durationMs }) => waits.push(durationMs));
    const waiterLoader = counting('from-b');
    const waiter = b.getOrSet('k', waiterLoader.loader);
    await expect(holder).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
    expect(await waiter).toBe('from-b');
    // b waited for the lock (it did not load beside a), then loaded once.
    expect(waits).toHaveLength(1);
    expect(waiterLoader.calls()).toBe(1);
    never.settle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fresh = caches.twoTier({ namespace });
    expect([await a.get('k'), await b.get('k'), await fresh.get('k')]).toEqual(['from-b', 'from-b', 'from-b']);
  });
});

describe('waiting for a slow load on another instance', () => {
  it.each([
    ['no deadline', {}, 3_000],
    ['a deadline longer than the load', { hardTimeout: 10_000 }, 3_000],
    // Waiters used to give up after max(10 s, 2 × loadLockTtl) and load beside a live holder.
    ['a load longer than 10 s', {}, 11_000],
  ])('keeps waiting while the holder renews its lease (%s): one load fleet-wide', async (_name, options, loadMs) => {
    const namespace = uniqueNamespace('lease');
    // A lease of 1 s, renewed every third of it: a busy machine's stalls of a few hundred ms don't lose it.
    const l2 = { redis: process.env.REDIS_URL!, loadLockTtl: 1_000 };
    const [a, b] = [caches.build({ namespace, l2 }), caches.build({ namespace, l2 })];
    await Promise.all([a.ready(), b.ready()]);
    let loads = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // Many leases long: the holder must renew it several times while b waits.
    const loader = async () => (loads++, started(), await new Promise((resolve) => setTimeout(resolve, loadMs)), 'slow');
    const first = a.getOrSet('k', loader, options);
    await running;
    const second = b.getOrSet('k', loader, options);
    expect(await Promise.all([first, second])).toEqual(['slow', 'slow']);
    expect(loads).toBe(1);
  }, 30_000);
});

describe('loadTimeout', () => {
  it.each([-1, Number.NaN, 2 ** 31, '100'])('rejects %p with E_INVALID_OPTION', (loadTimeout) => {
    expect(() => new TieredCache({ l2: false, loadTimeout: loadTimeout as number })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption, message: expect.stringContaining('loadTimeout') }),
    );
  });
});
