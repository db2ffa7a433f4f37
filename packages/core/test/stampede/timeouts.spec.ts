import { ErrorCode } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const gates: (() => void)[] = [];
afterEach(async () => {
  for (const open of gates.splice(0)) open();
  await caches.closeAll();
});

/** A loader held until `open()`; `running` resolves once it has started. */
function gatedLoader(value: string) {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  let settled = false;
  const loader = async () => {
    started();
    await gate;
    settled = true;
    return value;
  };
  return { loader, running, open: () => open(), settled: () => settled };
}

/** Puts `value` in place as an entry past its TTL, within a long grace. */
async function expiredEntry(cache: ReturnType<CacheFactory['twoTier']>, key: string, value: string) {
  await cache.set(key, value, { ttl: 1, grace: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('softTimeout (%s)', (_name, make) => {
  it('with a stale value at hand, waits for a load that answers within the soft timeout, and gets it', async () => {
    const cache = make();
    await expiredEntry(cache, 'k', 'old');
    // A soft timeout far longer than the load: the fresh value answers.
    expect(await cache.getOrSet('k', async () => 'new', { ttl: 60_000, grace: 60_000, softTimeout: 30_000 })).toBe('new');
  });

  it('without a soft timeout the same call answers with the stale value at once (stale-while-revalidate)', async () => {
    const cache = make();
    await expiredEntry(cache, 'k', 'old');
    const stale: string[] = [];
    cache.events.on('stale', ({ reason }) => stale.push(reason));
    expect(await cache.getOrSet('k', async () => 'new', { ttl: 60_000, grace: 60_000 })).toBe('old');
    expect(stale).toEqual(['grace']);
  });

  it('takes the stale value once the soft timeout passes, counted once, while the load goes on and is stored', async () => {
    const cache = make();
    await expiredEntry(cache, 'k', 'old');
    const stale: string[] = [];
    cache.events.on('stale', ({ reason }) => stale.push(reason));
    const served = cache.stats().staleServes;
    const slow = gatedLoader('new');
    const options = { ttl: 60_000, grace: 60_000, softTimeout: 50 };
    expect(await cache.getOrSet('k', slow.loader, options)).toBe('old');
    expect(slow.settled()).toBe(false);
    expect(stale).toEqual(['timeout']);
    expect(cache.stats().staleServes).toBe(served + 1);
    slow.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await cache.get('k')).toBe('new');
  });
});

describe('hardTimeout covers the wait for another instance’s load lock', () => {
  it('fails the call at its deadline while the other instance still loads', async () => {
    const namespace = uniqueNamespace('hard');
    const [a, b] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    expect(await Promise.all([a.ready(), b.ready()])).toEqual([true, true]);
    // Deadlines of every fraction of a millisecond: a wait that ends a little short of one must not load.
    for (let round = 0; round < 20; round++) {
      const key = `k${round}`;
      const slow = gatedLoader('from-a');
      const holder = a.getOrSet(key, slow.loader);
      await slow.running;
      // B waits for A's fleet lock; its own deadline ends the wait, with A's loader still held.
      const hardTimeout = 20 + round + Math.random();
      await expect(b.getOrSet(key, async () => 'from-b', { hardTimeout })).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
      expect(slow.settled()).toBe(false);
      slow.open();
      expect(await holder).toBe('from-a');
    }
  });

  it('with a stale value within grace, the deadline serves it instead', async () => {
    const namespace = uniqueNamespace('hard');
    const [a, b] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    expect(await Promise.all([a.ready(), b.ready()])).toEqual([true, true]);
    await expiredEntry(b, 'k', 'old');
    const slow = gatedLoader('from-a');
    const holder = a.getOrSet('k', slow.loader); // no grace: A loads, holding the fleet lock
    await slow.running;
    expect(await b.getOrSet('k', async () => 'from-b', { grace: 60_000, softTimeout: 30_000, hardTimeout: 100 })).toBe('old');
    expect(slow.settled()).toBe(false);
    slow.open();
    expect(await holder).toBe('from-a');
  });
});
