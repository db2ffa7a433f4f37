import type { TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

/** A loader held until `release`, resolving `started` once it runs. */
function gatedLoader<T>(value: T) {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const loader = jest.fn(async () => {
    started();
    await gate;
    return value;
  });
  return { loader, running, release };
}

const invalidations: [string, (cache: TieredCache) => Promise<unknown>][] = [
  ['delete', (cache) => cache.delete('k')],
  ['invalidateTags', (cache) => cache.invalidateTags(['t'])],
  ['clear', (cache) => cache.clear()],
];

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('a read that starts after an invalidation (%s)', (_name, make) => {
  it.each(invalidations)('never joins a load that %s invalidated', async (_op, invalidate) => {
    const cache = make();
    const old = gatedLoader('old');
    const first = cache.getOrSet('k', old.loader, { tags: ['t'] });
    await old.running;
    await invalidate(cache);
    const fresh = jest.fn(async () => 'new');
    const second = cache.getOrSet('k', fresh, { tags: ['t'] });
    old.release();
    expect(await first).toBe('old');
    expect(await second).toBe('new');
    expect(fresh).toHaveBeenCalledTimes(1);
  });

  it('gets the value of a set made while a load was in flight', async () => {
    const cache = make();
    const old = gatedLoader('old');
    const first = cache.getOrSet('k', old.loader);
    await old.running;
    await cache.set('k', 'v2');
    const second = cache.getOrSet('k', async () => 'loaded');
    old.release();
    await first;
    expect(await second).toBe('v2');
    expect(await cache.get('k')).toBe('v2');
  });

  it("get and has never reject with another caller's loader error", async () => {
    const cache = make();
    let fail!: (error: Error) => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const loading = cache.getOrSet('k', () => new Promise<string>((_, reject) => ((fail = reject), started())));
    await running;
    const has = cache.has('k');
    const get = cache.get('k');
    fail(new Error('db down'));
    await expect(loading).rejects.toThrow('db down');
    await expect(has).resolves.toBe(false);
    await expect(get).resolves.toBeUndefined();
  });
});

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L2 only', () => caches.l2Only()],
  ['L1 only', () => caches.l1Only()],
])('tag invalidations and unrelated loads (%s)', (_name, make) => {
  it('keeps a load whose tags were not invalidated while it ran', async () => {
    const cache = make();
    const slow = gatedLoader('kept');
    const first = cache.getOrSet('k', slow.loader, { tags: ['mine'] });
    await slow.running;
    await cache.invalidateTags(['unrelated']);
    slow.release();
    expect(await first).toBe('kept');
    const again = jest.fn(async () => 'reloaded');
    expect(await cache.getOrSet('k', again, { tags: ['mine'] })).toBe('kept');
    expect(again).not.toHaveBeenCalled();
  });
});

describe('getMany and unrelated writes', () => {
  it('fills L1 even when another key is written while it reads L2', async () => {
    const writer = caches.twoTier();
    const reader = caches.twoTier({ namespace: writer.prefix.slice(0, -1) });
    expect(await Promise.all([writer.ready(), reader.ready()])).toEqual([true, true]);
    // The reader hears of the writer's set first: only its own unrelated write may cross the read.
    const heard = new Promise((resolve) => reader.events.once('remote', resolve));
    await writer.set('a', 1);
    await heard;
    const reading = reader.getMany(['a']);
    const unrelated = reader.set('z', 2);
    expect((await reading).get('a')).toBe(1);
    await unrelated;
    const before = reader.stats().hitsL1;
    expect(await reader.get('a')).toBe(1);
    expect(reader.stats().hitsL1).toBe(before + 1);
  });
});
