import { ErrorCode, TiercacheError, type TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, recordingLogger } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const profiles = {
  hot: { ttl: 2 * MINUTE, l1Ttl: 10_000 },
  cold: { ttl: HOUR, grace: 10 * MINUTE, jitter: 0 },
};

/** The key's TTL in Redis once it is there: the write of a loaded value lands behind its caller. */
async function redisTtl(cache: TieredCache, key: string): Promise<number> {
  let ttl = -2;
  await eventually(async () => (ttl = await admin.pttl(cache.keyFor(key))) !== -2);
  return ttl;
}

/** Connected before the first write: clients Tiercache creates have no offline queue, so an early write only reaches L1. */
async function connected(cache: TieredCache): Promise<TieredCache> {
  expect(await cache.ready(10_000)).toBe(true);
  return cache;
}

function faultsOf(cache: TieredCache): unknown[] {
  const errors: unknown[] = [];
  cache.events.on('fault', (fault) => errors.push(fault.error));
  return errors;
}

describe('TTL profiles', () => {
  it('stores an entry with the options of the profile the call names', async () => {
    const cache = await connected(caches.twoTier({ profiles }));
    await cache.getOrSet('cold-one', () => 'v', { profile: 'cold' });
    const ttl = await redisTtl(cache, 'cold-one');
    expect(ttl).toBeGreaterThan(HOUR);
    expect(ttl).toBeLessThanOrEqual(HOUR + 10 * MINUTE);
    await cache.set('hot-one', 'v', { profile: 'hot' });
    expect(await redisTtl(cache, 'hot-one')).toBeLessThanOrEqual(2 * MINUTE);
    expect(await redisTtl(cache, 'hot-one')).toBeGreaterThan(MINUTE);
  });

  it('lets options given next to the profile win over it', async () => {
    const cache = await connected(caches.twoTier({ profiles }));
    await cache.getOrSet('k', () => 'v', { profile: 'cold', grace: 0, ttl: undefined });
    const ttl = await redisTtl(cache, 'k');
    expect(ttl).toBeGreaterThan(HOUR - MINUTE);
    expect(ttl).toBeLessThanOrEqual(HOUR);
  });

  it('gives a namespace its defaults from a profile', async () => {
    const cache = await connected(caches.twoTier({ profiles }));
    const boards = cache.namespace('boards', { profile: 'cold' });
    await boards.set('b', 1);
    expect(await admin.pttl(boards.keyFor('b'))).toBeGreaterThan(HOUR);
  });

  it('fails a call naming an unknown profile with E_INVALID_OPTION, listing the defined ones', async () => {
    const cache = await connected(caches.twoTier({ profiles }));
    const loader = jest.fn(() => 'v');
    const error = await cache.getOrSet('k', loader, { profile: 'hott' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TiercacheError);
    expect(error).toMatchObject({ code: ErrorCode.InvalidOption, message: expect.stringContaining('`options.profile`') });
    expect((error as Error).message).toContain('defined: hot, cold');
    expect(loader).not.toHaveBeenCalled();
    await expect(cache.set('k', 1, { profile: 'warm' })).rejects.toMatchObject({ code: ErrorCode.InvalidOption });
    expect(() => cache.namespace('n', { profile: 'warm' })).toThrow(/`defaults\.profile`/);
  });

  it('fails a hit naming an unknown profile as well, and applies the refresh-ahead of a profile on hits', async () => {
    const cache = await connected(caches.twoTier({ profiles: { ...profiles, eager: { ttl: 300, refreshAhead: 0.1 } } }));
    await cache.set('k', 1);
    await expect(cache.getOrSet('k', () => 2, { profile: 'hott' })).rejects.toMatchObject({ code: ErrorCode.InvalidOption });
    const loader = jest.fn(() => 'fresh');
    expect(await cache.getOrSet('eager', loader, { profile: 'eager' })).toBe('fresh');
    // Past a tenth of the 300 ms TTL, a hit refreshes in the background.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache.getOrSet('eager', loader, { profile: 'eager' })).toBe('fresh');
    await eventually(() => loader.mock.calls.length === 2);
  });

  it('rejects a bad profile when the cache is created, naming the field', () => {
    expect(() => caches.l1Only({ profiles: { hot: { ttl: -1 } } })).toThrow(/`profiles\.hot\.ttl`/);
    expect(() => caches.l1Only({ profiles: { hot: { ttl: 8 * 24 * HOUR } } })).toThrow(/`profiles\.hot\.ttl`.*maxTtl/);
    expect(() => caches.l1Only({ profiles: { hot: { profile: 'cold' } as never } })).toThrow(/`profiles\.hot\.profile`/);
    expect(() => caches.l1Only({ profiles: [] as never })).toThrow(/`profiles`/);
  });
});

describe('TTL functions in getOrSet', () => {
  it('computes the TTL from the loaded value', async () => {
    const cache = await connected(caches.twoTier());
    const ttl = jest.fn((board: { closed: boolean }) => (board.closed ? HOUR : MINUTE));
    await cache.getOrSet('past', () => ({ closed: true }), { ttl });
    await cache.getOrSet('live', () => ({ closed: false }), { ttl });
    expect(ttl.mock.calls.map(([board]) => board)).toEqual([{ closed: true }, { closed: false }]);
    expect(await redisTtl(cache, 'past')).toBeGreaterThan(HOUR - MINUTE);
    expect(await redisTtl(cache, 'live')).toBeLessThanOrEqual(MINUTE);
    // A hit does not call the function again.
    await cache.getOrSet('past', () => ({ closed: false }), { ttl });
    expect(ttl).toHaveBeenCalledTimes(2);
  });

  it('computes grace, and keeps a negativeTtl the call gives while ttl is computed', async () => {
    const cache = await connected(caches.twoTier({ profiles }));
    await cache.getOrSet('g', () => 'v', { ttl: MINUTE, grace: () => HOUR });
    expect(await redisTtl(cache, 'g')).toBeGreaterThan(HOUR);
    const loader = jest.fn(async () => null);
    await cache.getOrSet('none', loader, { ttl: () => HOUR, negativeTtl: 0 });
    await cache.getOrSet('none', loader, { ttl: () => HOUR, negativeTtl: 0 });
    expect(loader).toHaveBeenCalledTimes(2);
    // Combined with a profile: the profile's grace stays, the computed ttl replaces its ttl.
    await cache.getOrSet('pc', () => 'v', { profile: 'cold', ttl: () => MINUTE });
    const ttl = await redisTtl(cache, 'pc');
    expect(ttl).toBeGreaterThan(10 * MINUTE);
    expect(ttl).toBeLessThanOrEqual(11 * MINUTE);
  });

  it("lets the loader's own setOptions win over a TTL function", async () => {
    const cache = await connected(caches.twoTier());
    const loader = jest.fn((ctx: { setOptions(o: object): void }) => (ctx.setOptions({ ttl: 0, negativeTtl: 0 }), 'v'));
    await cache.getOrSet('skip', loader, { ttl: () => HOUR });
    await cache.getOrSet('skip', loader, { ttl: () => HOUR });
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a negative number', () => -1],
    ['NaN', () => Number.NaN],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['a string', () => '60000' as unknown as number],
    ['undefined', () => undefined as unknown as number],
    ['more than maxTtl', () => 8 * 24 * HOUR],
    ['an exception', () => {
      throw new Error('boom');
    }],
  ])('returns the value but neither caches it nor stays silent when the function gives %s', async (_what, ttl) => {
    const logger = recordingLogger();
    const cache = await connected(caches.twoTier({ logger }));
    const faults = faultsOf(cache);
    const loader = jest.fn(async () => ({ id: 1 }));
    expect(await cache.getOrSet('bad', loader, { ttl, label: 'Boards.past' })).toEqual({ id: 1 });
    expect(await cache.getOrSet('bad', loader, { ttl, label: 'Boards.past' })).toEqual({ id: 1 });
    expect(loader).toHaveBeenCalledTimes(2);
    expect(await cache.has('bad')).toBe(false);
    expect(faults).toHaveLength(2);
    expect(faults[0]).toBeInstanceOf(TiercacheError);
    expect(faults[0]).toMatchObject({ code: ErrorCode.InvalidTtl, message: expect.stringContaining('ttl function for') });
    expect(cache.stats().errors).toBe(2);
    // Loud once, counted every time.
    const errors = logger.lines.filter((line) => line.startsWith('error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Boards.past');
  });

  it('takes TTL functions from the profile a call names; a fixed ttl of the call wins over them', async () => {
    const adaptive = { past: { ttl: (board: { closed: boolean }) => (board.closed ? HOUR : MINUTE), grace: MINUTE } };
    const cache = await connected(caches.twoTier({ profiles: adaptive }));
    await cache.getOrSet('closed', () => ({ closed: true }), { profile: 'past' });
    expect(await redisTtl(cache, 'closed')).toBeGreaterThan(HOUR);
    await cache.getOrSet('fixed', () => ({ closed: true }), { profile: 'past', ttl: 5 * MINUTE });
    expect(await redisTtl(cache, 'fixed')).toBeLessThanOrEqual(6 * MINUTE);
    // Without a loaded value there is nothing to compute from: set uses the cache's ttl (60 s) and the profile's grace.
    await cache.set('set', { closed: true }, { profile: 'past' });
    expect(await redisTtl(cache, 'set')).toBeLessThanOrEqual(2 * MINUTE);
    expect(await redisTtl(cache, 'set')).toBeGreaterThan(MINUTE);
  });

  it('reports a bad l1Ttl function the same way', async () => {
    const cache = caches.l1Only();
    const faults = faultsOf(cache);
    const loader = jest.fn(() => 'v');
    expect(await cache.getOrSet('l1', loader, { l1Ttl: () => -5 })).toBe('v');
    expect(await cache.getOrSet('l1', loader, { l1Ttl: () => -5 })).toBe('v');
    expect(loader).toHaveBeenCalledTimes(2);
    expect(faults[0]).toMatchObject({ code: ErrorCode.InvalidTtl, message: expect.stringContaining('l1Ttl function') });
  });
});
