import { CacheFactory } from '../support/cache-factory.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('getOrSet single-flight (%s)', (_name, make) => {
  it('runs the loader once for concurrent callers and gives them all its value', async () => {
    const cache = make();
    const gate = deferred<{ n: number }>();
    const loader = jest.fn(() => gate.promise);
    const callers = Array.from({ length: 50 }, () => cache.getOrSet('hot', loader));
    gate.resolve({ n: 7 });
    const results = await Promise.all(callers);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(results.every((r) => JSON.stringify(r) === '{"n":7}')).toBe(true);
  });

  it('gives every concurrent caller the loader error, caches nothing, and retries afterwards', async () => {
    const cache = make();
    const gate = deferred<string>();
    const failing = jest.fn(() => gate.promise);
    const callers = Array.from({ length: 10 }, () => cache.getOrSet('boom', failing));
    const boom = new Error('db down');
    // Rejected before the loader runs (after an L2 read): handled here, the callers still get it through the loader.
    gate.promise.catch(() => undefined);
    gate.reject(boom);
    const settled = await Promise.allSettled(callers);
    expect(settled.every((s) => s.status === 'rejected' && s.reason === boom)).toBe(true);
    expect(failing).toHaveBeenCalledTimes(1);
    expect(await cache.has('boom')).toBe(false);
    expect(await cache.getOrSet('boom', async () => 'recovered')).toBe('recovered');
  });

  it('leaves nothing behind once settled: a later miss runs the loader again', async () => {
    const cache = make();
    await cache.getOrSet('once', async () => 1, { ttl: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const loader = jest.fn(async () => 2);
    expect(await cache.getOrSet('once', loader)).toBe(2);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('does not store a loaded value when the key is deleted while it loads', async () => {
    const cache = make();
    const gate = deferred<string>();
    const pending = cache.getOrSet('raced', () => gate.promise);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.delete('raced');
    gate.resolve('stale-from-before-the-delete');
    expect(await pending).toBe('stale-from-before-the-delete');
    expect(await cache.has('raced')).toBe(false);
  });

  it('keeps a value set while a load was in flight, not the older loaded one', async () => {
    const cache = make();
    const gate = deferred<string>();
    const pending = cache.getOrSet('newer', () => gate.promise);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.set('newer', 'written');
    gate.resolve('loaded');
    await pending;
    expect(await cache.get('newer')).toBe('written');
  });
});

describe('get joins a load in flight', () => {
  it('returns the loaded value instead of a miss', async () => {
    const cache = caches.twoTier();
    const gate = deferred<string>();
    const loading = cache.getOrSet('join', () => gate.promise);
    await new Promise((resolve) => setImmediate(resolve));
    const reading = cache.get('join');
    gate.resolve('v');
    expect(await Promise.all([loading, reading])).toEqual(['v', 'v']);
  });
});

describe('a loader whose value cannot be cached', () => {
  it('still returns the value, caches nothing and reports it', async () => {
    const cache = caches.twoTier();
    const errors: string[] = [];
    cache.events.on('fault', ({ operation }) => errors.push(operation));
    const fn = () => 1;
    expect(await cache.getOrSet('fn', async () => ({ fn }))).toEqual({ fn });
    expect(await cache.has('fn')).toBe(false);
    expect(errors).toEqual(['serialize']);
  });
});

describe('LoaderContext.setOptions', () => {
  it('lets a loader decide not to cache what it returns', async () => {
    const cache = caches.twoTier();
    const loader = jest.fn(async (ctx: { setOptions(o: object): void }) => {
      ctx.setOptions({ ttl: 0 });
      return 'uncached';
    });
    expect(await cache.getOrSet('skip', loader)).toBe('uncached');
    expect(await cache.getOrSet('skip', loader)).toBe('uncached');
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('lets a loader pick a TTL from the value, validated like any option', async () => {
    const cache = caches.l1Only();
    // A ttl no event-loop stall between the load and the first get can outlast.
    await cache.getOrSet('adaptive', async (ctx) => (ctx.setOptions({ ttl: 1_000 }), 'v'));
    expect(await cache.get('adaptive')).toBe('v');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await cache.get('adaptive')).toBeUndefined();
    await expect(cache.getOrSet('bad', async (ctx) => (ctx.setOptions({ ttl: -1 }), 'v'))).rejects.toMatchObject({
      code: 'E_INVALID_OPTION',
    });
  });
});

describe('labels', () => {
  it('name the caller in hit, miss and load events', async () => {
    const cache = caches.twoTier();
    const labels: string[] = [];
    cache.events.on('miss', ({ label }) => labels.push(`miss:${label}`));
    cache.events.on('load', ({ label }) => labels.push(`load:${label}`));
    cache.events.on('hit', ({ label, tier }) => labels.push(`hit:${tier}:${label}`));
    await cache.getOrSet('l', async () => 1, { label: 'Agents.find' });
    await cache.getOrSet('l', async () => 1, { label: 'Agents.find' });
    expect(labels).toEqual(['miss:Agents.find', 'load:Agents.find', 'hit:l1:Agents.find']);
  });
});
