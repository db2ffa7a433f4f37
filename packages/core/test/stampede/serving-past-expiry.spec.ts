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
    // The stale serve was reported, as grace (not as a fail-safe or a timeout).
    expect(stale.length).toBeGreaterThan(0);
    expect(new Set(stale)).toEqual(new Set(['grace']));
    await eventually(async () => (await cache.getOrSet('g', loader, options)) === 'v2');
    expect(loader.count).toBe(1);
  });

  it('without grace, an expired entry is a miss', async () => {
    await cache.getOrSet('ng', async () => 'v1', { ttl: 50 });
    await sleep(120);
    expect(await cache.getOrSet('ng', async () => 'v2', { ttl: 50 })).toBe('v2');
  });

  it('fail-safe: a failing loader gets the stale value served, not its error', async () => {
    const options = { ttl: 60, grace: 10_000 };
    await cache.getOrSet('fsv', async () => 'good', options);
    await sleep(120); // past the ttl, within grace
    const failing = counted(async (): Promise<string> => {
      throw new Error('database down');
    });
    for (let i = 0; i < 3; i++) expect(await cache.getOrSet('fsv', failing, options)).toBe('good');
    await eventually(() => failing.count > 0);
  });

  it("without a stale value, the loader's own error reaches the caller", async () => {
    const boom = new Error('no fallback');
    await expect(cache.getOrSet('none', async () => Promise.reject(boom), { grace: 10_000 })).rejects.toBe(boom);
  });

  it('hard timeout: fails with E_LOADER_TIMEOUT, and the late value is still stored', async () => {
    // The load outlasts the timeout by far, so a stalled event loop can't let it finish first.
    const slow = counted(async () => (await sleep(1_000), 'late'));
    await expect(cache.getOrSet('hard', slow, { hardTimeout: 50 })).rejects.toMatchObject({ code: ErrorCode.LoaderTimeout });
    await eventually(async () => (await cache.get('hard')) === 'late');
    expect(slow.count).toBe(1);
  });

  it('refresh-ahead: past the threshold a hit refreshes in the background', async () => {
    // Due after 1% of a long ttl: a stalled event loop can't push the entry past its expiry.
    const options = { ttl: 20_000, refreshAhead: 0.01 };
    await cache.getOrSet('ahead', async () => 'v1', options);
    await sleep(250);
    const loader = counted(async () => 'v2');
    expect(await cache.getOrSet('ahead', loader, options)).toBe('v1');
    await eventually(async () => (await cache.getOrSet('ahead', loader, options)) === 'v2');
    expect(loader.count).toBe(1);
  }, 15_000);
});

// The throttle lives in L1 (the stale copy is made fresh for a while): an L2-only cache has none,
// and retries its loader on every call.
describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
])('fail-safe throttle (%s)', (_name, make) => {
  it("fail-safe: a failing loader gets the stale value served, then is retried only after the throttle", async () => {
    // A throttle long enough that a stalled event loop on a busy machine can't outlast it between
    // the failure and the calls that must not retry.
    const options = { ttl: 60, grace: 10_000, failSafeThrottle: 2_000 };
    const cache = make();
    const stale: string[] = [];
    cache.events.on('stale', ({ reason }) => stale.push(reason));
    await cache.getOrSet('fs', async () => 'good', options);
    await sleep(120); // past the ttl, within grace
    const failing = counted(async (): Promise<string> => {
      throw new Error('database down');
    });
    // Within grace the first call already answers stale; its load goes on and fails.
    expect(await cache.getOrSet('fs', failing, options)).toBe('good');
    await eventually(() => failing.count === 1);
    // The failure is handled once a call is answered as fresh (the throttle): until then calls join
    // the failing load. A broken throttle never gets there, and starts loads instead.
    await eventually(async () => {
      const before = stale.length;
      return (await cache.getOrSet('fs', failing, options)) === 'good' && stale.length === before;
    });
    expect(failing.count).toBe(1);
    for (let i = 0; i < 5; i++) expect(await cache.getOrSet('fs', failing, options)).toBe('good');
    expect(failing.count).toBe(1);
    // Once the throttle has passed, a call tries the loader again (and still answers stale).
    await eventually(async () => (await cache.getOrSet('fs', failing, options)) === 'good' && failing.count === 2, 10_000);
  }, 20_000);
});
