import { ErrorCode, type TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loader that counts its calls in `count`. */
function counted<T>(impl: (n: number) => T | Promise<T>): (() => Promise<T>) & { readonly count: number } {
  let count = 0;
  const loader = async () => impl(++count);
  return Object.defineProperty(loader, 'count', { get: () => count }) as (() => Promise<T>) & { readonly count: number };
}

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('serving past expiry (%s)', (_name, make) => {
  let cache: TieredCache;
  beforeEach(() => {
    cache = make();
  });
  const stale: string[] = [];
  beforeEach(() => {
    stale.length = 0;
    cache.events.on('stale', ({ reason }) => stale.push(reason));
  });

  it('grace: serves the stale value at once while one background refresh runs', async () => {
    expect(await cache.getOrSet('g', async () => 'v1', { ttl: 80, grace: 10_000 })).toBe('v1');
    await sleep(150);
    // The refreshed value lives long, so polling for it can't outlast it.
    const options = { ttl: 10_000, grace: 10_000 };
    const loader = counted(async () => (await sleep(50), 'v2'));
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('g', loader, options)));
    expect(answers).toEqual(Array(10).fill('v1'));
    await eventually(async () => (await cache.getOrSet('g', loader, options)) === 'v2');
    expect(loader.count).toBe(1);
    expect(stale.every((reason) => reason === 'grace')).toBe(true);
  });

  it('without grace, an expired entry is a miss', async () => {
    await cache.getOrSet('ng', async () => 'v1', { ttl: 50 });
    await sleep(120);
    expect(await cache.getOrSet('ng', async () => 'v2', { ttl: 50 })).toBe('v2');
  });

  it("fail-safe: a failing loader gets the stale value served, then is retried only after the throttle", async () => {
    const options = { ttl: 60, grace: 10_000, failSafeThrottle: 200 };
    await cache.getOrSet('fs', async () => 'good', options);
    await sleep(120);
    const failing = counted(async (): Promise<string> => {
      throw new Error('database down');
    });
    // Within grace the first call already answers stale; wait for its background attempt to fail.
    expect(await cache.getOrSet('fs', failing, options)).toBe('good');
    await eventually(() => failing.count === 1);
    await sleep(20);
    for (let i = 0; i < 5; i++) expect(await cache.getOrSet('fs', failing, options)).toBe('good');
    expect(failing.count).toBe(1);
    await sleep(300);
    expect(await cache.getOrSet('fs', failing, options)).toBe('good');
    await eventually(() => failing.count === 2);
  });

  it("without a stale value, the loader's own error reaches the caller", async () => {
    const boom = new Error('no fallback');
    await expect(cache.getOrSet('none', async () => Promise.reject(boom), { grace: 10_000 })).rejects.toBe(boom);
  });

  it('hard timeout: fails with E_LOADER_TIMEOUT, and the late value is still stored', async () => {
    const slow = counted(async () => (await sleep(250), 'late'));
    await expect(cache.getOrSet('hard', slow, { hardTimeout: 50 })).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
    await eventually(async () => (await cache.get('hard')) === 'late');
    expect(slow.count).toBe(1);
  });

  it('soft timeout: a slow load returns the stale value and stores its own when done', async () => {
    await cache.getOrSet('soft', async () => 'old', { ttl: 60, grace: 10_000 });
    await sleep(120);
    const options = { ttl: 10_000, grace: 10_000, softTimeout: 40 };
    const slow = counted(async () => (await sleep(300), 'new'));
    expect(await cache.getOrSet('soft', slow, options)).toBe('old');
    await eventually(async () => (await cache.getOrSet('soft', slow, options)) === 'new');
    expect(slow.count).toBe(1);
  });

  it('refresh-ahead: past the threshold a hit refreshes in the background', async () => {
    const options = { ttl: 2_000, refreshAhead: 0.05 };
    await cache.getOrSet('ahead', async () => 'v1', options);
    await sleep(150);
    const loader = counted(async () => 'v2');
    expect(await cache.getOrSet('ahead', loader, options)).toBe('v1');
    await eventually(async () => (await cache.getOrSet('ahead', loader, options)) === 'v2');
    expect(loader.count).toBe(1);
  });
});

describe('soft timeout with the stale value only in L2', () => {
  it('serves it from L2 when L1 has nothing', async () => {
    const cache = caches.l2Only();
    await cache.getOrSet('l2soft', async () => 'old', { ttl: 60, grace: 10_000 });
    await sleep(120);
    const options = { ttl: 10_000, grace: 10_000, softTimeout: 40 };
    let done = false;
    const value = await cache.getOrSet('l2soft', async () => (await sleep(250), (done = true), 'new'), options);
    expect([value, done]).toEqual(['old', false]);
    await eventually(async () => (await cache.get('l2soft')) === 'new');
  });
});
