import { ErrorCode, HotKeys, type HotKeysOptions, type TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const open: HotKeys[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((hot) => hot.close()));
  await caches.closeAll();
});

function hotKeysOf(cache: TieredCache, options: Partial<HotKeysOptions> = {}): HotKeys {
  const hot = new HotKeys({ cache, logger: silentLogger, ...options });
  open.push(hot);
  return hot;
}

/** Two instances of one app on the shared Redis, both connected. */
async function fleet(options = {}): Promise<[TieredCache, TieredCache]> {
  const namespace = uniqueNamespace('hot');
  const pair: [TieredCache, TieredCache] = [caches.twoTier({ namespace, ...options }), caches.twoTier({ namespace, ...options })];
  for (const cache of pair) expect(await cache.ready()).toBe(true);
  return pair;
}

async function read(cache: TieredCache, key: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await cache.getOrSet(key, () => `value of ${key}`);
}

/** Whether `key` is in `cache`'s L1 (a read of it is an L1 hit). */
async function inL1(cache: TieredCache, key: string): Promise<boolean> {
  const before = cache.stats().hitsL1;
  await cache.get(key);
  return cache.stats().hitsL1 > before;
}

describe('HotKeys (predictive warming)', () => {
  it("warms a starting instance's L1 with the keys the fleet reads most, hottest first", async () => {
    const [running, starting] = await fleet();
    const counting = hotKeysOf(running);
    counting.start();
    await read(running, 'agent:1', 10);
    await read(running, 'agent:2', 5);
    await read(running, 'agent:3', 1);
    await counting.publish();

    const warming = hotKeysOf(starting);
    expect(await warming.top()).toEqual(['agent:1', 'agent:2', 'agent:3']);
    const progress: number[] = [];
    expect(await warming.warm({ maxEntries: 2, onProgress: (done) => progress.push(done) })).toEqual({ warmed: 2, skipped: 0, total: 2, timedOut: false });
    expect(progress).toEqual([1, 2]);
    expect(await inL1(starting, 'agent:1')).toBe(true);
    expect(await inL1(starting, 'agent:2')).toBe(true);
    expect(await inL1(starting, 'agent:3')).toBe(false);
  });

  it('sums the counts of every instance, and recent accesses outweigh old ones', async () => {
    const [a, b] = await fleet();
    const hotA = hotKeysOf(a, { halfLifeMs: 20 });
    const hotB = hotKeysOf(b, { halfLifeMs: 20 });
    hotA.start();
    hotB.start();
    await read(a, 'old', 50);
    await read(a, 'shared', 3);
    await read(b, 'shared', 3);
    await Promise.all([hotA.publish(), hotB.publish()]);
    expect(await hotA.top(2)).toEqual(['old', 'shared']);
    // Ten half-lives later, one access weighs 1024 old ones.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await read(b, 'new', 1);
    await hotB.publish();
    expect((await hotA.top())[0]).toBe('new');
  });

  it('a publish asked for while one is under way also carries the reads made before it was asked', async () => {
    const [a] = await fleet();
    await read(a, 'later', 1); // in L1 before counting starts: the read below is a hit, counted at once
    const hot = hotKeysOf(a);
    hot.start();
    await read(a, 'first', 1);
    const running = hot.publish(); // has taken 'first'; its script is on its way
    void a.getOrSet('later', async () => 'unused');
    await hot.publish();
    await running;
    expect((await hot.top()).sort()).toEqual(['first', 'later']);
  });

  it('keeps its memory bounded and does not count its own reads', async () => {
    const [cache, other] = await fleet();
    const hot = hotKeysOf(cache, { maxTracked: 2, topN: 1 });
    hot.start();
    for (const key of ['a', 'b', 'c', 'd']) await read(cache, key, 1);
    expect(hot.stats()).toMatchObject({ tracked: 2, untracked: 2 });
    await hot.publish();
    expect(hot.stats()).toMatchObject({ tracked: 0, publishes: 1 });
    // The shared ranking keeps 4 × topN keys.
    for (const key of ['e', 'f', 'g', 'h', 'i']) await read(cache, key, 1);
    await hot.publish();
    expect(await hot.top(100)).toHaveLength(4);
    const warmingHere = hotKeysOf(other);
    warmingHere.start();
    await warmingHere.warm();
    expect(warmingHere.stats().tracked).toBe(0);
  });

  it('skips what it cannot warm: keys gone from Redis (without `load`) and shortened keys', async () => {
    const [running, starting] = await fleet({ maxKeyLength: 64 });
    const counting = hotKeysOf(running);
    counting.start();
    await read(running, 'kept', 2);
    await read(running, 'gone', 2);
    await read(running, `long:${'x'.repeat(100)}`, 2);
    await counting.publish();
    await running.delete('gone');
    expect(await hotKeysOf(starting).top()).toEqual(['kept', 'gone']);
    expect(await hotKeysOf(starting).warm()).toEqual({ warmed: 1, skipped: 2, total: 3, timedOut: false });
    const loading = hotKeysOf(starting, { load: (key) => `loaded ${key}` });
    expect(await loading.warm()).toMatchObject({ warmed: 2, skipped: 1 });
    expect(await starting.get('gone')).toBe('loaded gone');
  });

  it('stops warming at its time bound', async () => {
    const [running, starting] = await fleet();
    const counting = hotKeysOf(running);
    counting.start();
    for (let i = 0; i < 40; i++) await read(running, `k${i}`, 1);
    await counting.publish();
    for (let i = 0; i < 40; i++) await running.delete(`k${i}`);
    const slow = hotKeysOf(starting, { load: () => new Promise((resolve) => setTimeout(() => resolve('v'), 100)) });
    const result = await slow.warm({ timeoutMs: 50 });
    expect(result.timedOut).toBe(true);
    expect(result.warmed).toBeLessThan(40);
  });

  it('refreshes hot entries before they expire, with `load`', async () => {
    const [running, starting] = await fleet({ ttl: 60_000 });
    const counting = hotKeysOf(running);
    counting.start();
    await read(running, 'hot', 3);
    await counting.publish();
    const loads: string[] = [];
    // Due once 5% of the TTL (3 s) has passed: the steps above take far less, even on a busy machine
    // (at 1%, 600 ms, one busy fresh-clone run found the entry due already when it was first warmed).
    const refreshing = hotKeysOf(starting, { load: (key) => (loads.push(key), `fresh ${key}`), refreshAhead: 0.05 });
    await refreshing.warm();
    expect(loads).toEqual([]);
    // 5% of the TTL has passed: the entry is fresh, and due for its refresh.
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    await refreshing.refresh();
    await eventually(() => loads.length === 1);
    expect(await starting.get('hot')).toBe('fresh hot');
    expect(refreshing.stats().refreshes).toBe(1);
  }, 15_000);

  it('refuses a cache without Redis and bad options, with typed errors', async () => {
    expect(() => new HotKeys({ cache: caches.l1Only() })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption, message: expect.stringContaining('l2') }));
    const cache = caches.twoTier();
    expect(() => new HotKeys({ cache, topN: 0 })).toThrow(/hotKeys\.topN/);
    expect(() => new HotKeys({ cache, refreshAhead: 1 })).toThrow(/refreshAhead/);
    expect(() => new HotKeys({ cache, tpoN: 3 } as never)).toThrow(/hotKeys\.tpoN/);
    await expect(hotKeysOf(cache).warm({ maxEntries: -1 })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });
});
