import { ErrorCode, TieredCache, type Serializer } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, redisUrl, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('TieredCache (%s)', (_name, make) => {
  let cache: TieredCache;
  beforeEach(async () => {
    cache = make();
    // Connected first: past its bounded first-connection wait (200 ms, which a busy machine can
    // outlast) a call skips L2, and the L2-only cache would rightly load twice.
    await cache.ready();
  });

  it('gets what was set, and misses what was not', async () => {
    await cache.set('a', { n: 1 });
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.has('a')).toBe(true);
    expect(await cache.has('b')).toBe(false);
  });

  it.each([null, undefined, 0, '', false])('caches %p as a value, never as a miss', async (value) => {
    const loader = jest.fn(async () => value);
    expect(await cache.getOrSet('falsy', loader)).toBe(value);
    expect(await cache.getOrSet('falsy', loader)).toBe(value);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(await cache.has('falsy')).toBe(true);
  });

  it('does not cache null/undefined when negativeTtl is 0, but still returns them', async () => {
    const loader = jest.fn(async () => null);
    expect(await cache.getOrSet('neg', loader, { negativeTtl: 0 })).toBeNull();
    expect(await cache.getOrSet('neg', loader, { negativeTtl: 0 })).toBeNull();
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('deletes one key and many keys', async () => {
    await cache.setMany([
      { key: 'd1', value: 1 },
      { key: 'd2', value: 2 },
      { key: 'd3', value: 3 },
    ]);
    await cache.delete('d1');
    await cache.deleteMany(['d2', ['not', 'there']]);
    expect([...(await cache.getMany(['d1', 'd2', 'd3'])).entries()]).toEqual([['d3', 3]]);
  });

  it('getMany returns found entries only, keyed by the built key', async () => {
    await cache.set(['agent', 1], 'one');
    await cache.set('plain', 'p');
    const found = await cache.getMany([['agent', 1], 'plain', 'missing']);
    expect(found).toEqual(new Map([['agent:~1', 'one'], ['plain', 'p']]));
  });

  it('clears its own namespace and its children, not its siblings', async () => {
    const users = cache.namespace('users');
    const posts = cache.namespace('posts');
    await Promise.all([cache.set('root', 1), users.set('u', 2), posts.set('p', 3)]);
    await users.clear();
    expect(await users.get('u')).toBeUndefined();
    expect(await posts.get('p')).toBe(3);
    expect(await cache.get('root')).toBe(1);
    await cache.clear();
    expect(await posts.get('p')).toBeUndefined();
    expect(await cache.get('root')).toBeUndefined();
  });

  it('keeps child namespaces apart from keys that look like them', async () => {
    await cache.namespace('a').set('b', 'child');
    await cache.set('a:b', 'flat');
    expect(await cache.namespace('a').get('b')).toBe('child');
    expect(await cache.get('a:b')).toBe('flat');
  });

  it('expires entries after their ttl', async () => {
    // A ttl no event-loop stall between the set and the first get can outlast.
    await cache.set('ttl', 'v', { ttl: 1_000 });
    expect(await cache.get('ttl')).toBe('v');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await cache.get('ttl')).toBeUndefined();
  });

  it('does not store a value set with ttl 0, and drops the older one', async () => {
    await cache.set('zero', 'old');
    await cache.set('zero', 'new', { ttl: 0 });
    expect(await cache.has('zero')).toBe(false);
  });

  it('rejects an unserializable value at set with E_SERIALIZATION and keeps the old entry', async () => {
    await cache.set('keep', { ok: true });
    await expect(cache.set('keep', { f: () => 1 })).rejects.toMatchObject({ code: ErrorCode.Serialization });
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    await expect(cache.set('keep', cyclic)).rejects.toMatchObject({ code: ErrorCode.Serialization });
    expect(await cache.get('keep')).toEqual({ ok: true });
  });

  it('setMany writes nothing when one item cannot be cached', async () => {
    await expect(
      cache.setMany([
        { key: 'sm1', value: 1 },
        { key: 'sm2', value: Symbol('nope') },
      ]),
    ).rejects.toMatchObject({ code: ErrorCode.Serialization });
    expect(await cache.has('sm1')).toBe(false);
  });

  it('round-trips Dates, Maps and nested data', async () => {
    const value = { at: new Date('2026-05-06T07:08:09.010Z'), tags: new Set(['x']), nested: [{ n: 1 }] };
    await cache.set('rich', value);
    expect(await cache.get('rich')).toEqual(value);
  });

  it.each([
    ['empty key', (c: TieredCache) => c.get('')],
    ['non-function loader', (c: TieredCache) => c.getOrSet('k', 'nope' as never)],
    ['negative ttl', (c: TieredCache) => c.set('k', 1, { ttl: -1 })],
    ['jitter above 1', (c: TieredCache) => c.set('k', 1, { jitter: 2 })],
  ])('rejects bad input (%s) with a typed error', async (_name, call) => {
    await expect(call(cache)).rejects.toMatchObject({ code: expect.stringMatching(/^E_INVALID_/) });
  });

  it("names set's own bad option, and setMany's by its item", async () => {
    await expect(cache.set('k', 1, { ttl: -1 })).rejects.toMatchObject({ message: expect.stringContaining('`options.ttl`') });
    await expect(cache.setMany([{ key: 'k', value: 1, options: { ttl: -1 } }])).rejects.toMatchObject({
      message: expect.stringContaining('`items[0].options.ttl`'),
    });
  });
});

describe('TieredCache mutation safety', () => {
  it('protects what the next caller gets from a caller that mutates its value', async () => {
    for (const cache of [caches.l1Only(), caches.twoTier()]) {
      await cache.set('m', { list: [1, 2], at: new Date(0) });
      const first = await cache.get<{ list: number[]; at: Date }>('m');
      expect(() => first!.list.push(3)).toThrow(TypeError);
      first!.at.setTime(99);
      expect(await cache.get('m')).toEqual({ list: [1, 2], at: new Date(0) });
    }
  });

  it('does not freeze the object the caller stored', async () => {
    const cache = caches.l1Only();
    const mine = { n: 1 };
    await cache.set('own', mine);
    mine.n = 2;
    expect(await cache.get('own')).toEqual({ n: 1 });
  });

  it('keeps what set stored apart from the object given, frozen and shared by later reads', async () => {
    const cache = caches.l1Only();
    const original = { n: 1, list: [1], at: new Date(0) };
    await cache.set('k', original);
    original.n = 2;
    original.list.push(2);
    const first = await cache.get<typeof original>('k');
    expect(first).toEqual({ n: 1, list: [1], at: new Date(0) });
    expect([Object.isFrozen(first), Object.isFrozen(first!.list), Object.isFrozen(original)]).toEqual([true, true, false]);
    // A Date can't be frozen: each read gets its own copy of it.
    const second = await cache.get<typeof original>('k');
    expect(second).toEqual(first);
    expect(second!.at).not.toBe(first!.at);
  });

  it('fails a set whose serializer cannot read back what it wrote, and caches nothing', async () => {
    const broken: Serializer = {
      id: 'broken',
      serialize: (value) => JSON.stringify(value),
      deserialize: () => {
        throw new Error('unreadable');
      },
    };
    const cache = caches.l1Only({ serializer: broken });
    await expect(cache.set('k', { n: 1 })).rejects.toMatchObject({ code: ErrorCode.Serialization });
    expect(await cache.has('k')).toBe(false);
  });

  it('shares values by reference in the documented fast mode', async () => {
    const cache = caches.l1Only({ l1: { mutationSafe: false } });
    await cache.set('fast', { n: 1 });
    const first = await cache.get<{ n: number }>('fast');
    expect(Object.isFrozen(first)).toBe(false);
    expect(await cache.get('fast')).toBe(first);
  });
});

describe('TieredCache tiers', () => {
  it('fills L1 from L2 and serves the next read from L1', async () => {
    const namespace = uniqueNamespace('fill');
    const writer = caches.twoTier({ namespace });
    const reader = caches.twoTier({ namespace });
    await writer.set('k', 'v');
    // The writer's "drop your copy" message may land during the first read, which then isn't
    // kept (it can't tell whether it predates the write); a later read fills L1.
    for (let i = 0; i < 3; i++) expect(await reader.get('k')).toBe('v');
    const { hitsL1, hitsL2 } = reader.stats();
    expect(hitsL1 + hitsL2).toBe(3);
    expect(hitsL1).toBeGreaterThanOrEqual(1);
  });

  it('caps the L1 copy at l1Ttl while L2 keeps the value', async () => {
    const cache = caches.twoTier({ ttl: 60_000, l1Ttl: 50 });
    await cache.set('short-l1', 'v');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await cache.get('short-l1')).toBe('v');
    expect(cache.stats().hitsL2).toBe(1);
  });

  it('treats malformed, foreign and old-format L2 entries as counted misses', async () => {
    const cache = caches.twoTier();
    const malformed: string[] = [];
    cache.events.on('malformed', ({ reason }) => malformed.push(reason));
    const garbage = ['hello', '{"value":42}', 'TC1[1,2,"json",0,[],0]\nj{', 'TC0whatever'];
    for (const [i, raw] of garbage.entries()) await admin.set(cache.keyFor(`bad${i}`), raw);
    for (let i = 0; i < garbage.length; i++) {
      expect(await cache.getOrSet(`bad${i}`, async () => `fresh${i}`)).toBe(`fresh${i}`);
    }
    expect(malformed).toHaveLength(garbage.length);
    expect(cache.stats().malformed).toBe(garbage.length);
    // The loader's value replaced the garbage.
    expect(await caches.l2Only({ namespace: cache.prefix.slice(0, -1) }).get('bad0')).toBe('fresh0');
  });

  it('makes every entry unreachable when the version changes', async () => {
    const namespace = uniqueNamespace('ver');
    await caches.twoTier({ namespace, version: 1 }).set('k', 'v1');
    expect(await caches.twoTier({ namespace, version: 2 }).get('k')).toBeUndefined();
    expect(await caches.twoTier({ namespace, version: 1 }).get('k')).toBe('v1');
  });

  it('compresses large values in L2 and reads them back', async () => {
    const cache = caches.l2Only({ l2: { redis: redisUrl(), compressAbove: 1_000 } });
    const big = { text: 'abc'.repeat(10_000) };
    await cache.set('big', big);
    expect(((await admin.get(cache.keyFor('big'))) ?? '').length).toBeLessThan(2_000);
    expect(await cache.get('big')).toEqual(big);
  });

  it('hashes keys that are too long, and they still work', async () => {
    const cache = caches.twoTier({ maxKeyLength: 64 });
    const key = ['search', { q: 'x'.repeat(1_000) }];
    await cache.set(key, 'found');
    // The prefix stays readable (SCAN-based clearing needs it); the rest becomes a digest.
    expect(cache.keyFor(key)).toMatch(new RegExp(`^${cache.prefix}#[\\w-]{43}$`));
    expect(await cache.get(key)).toBe('found');
  });

  it('emits hits to the listeners there are at each hit, however they come and go', async () => {
    const cache = caches.l1Only();
    await cache.set('k', 1);
    await cache.get('k');
    const seen: string[] = [];
    const listener = ({ tier }: { tier: string }) => seen.push(tier);
    cache.events.on('hit', listener);
    await cache.get('k');
    cache.events.once('hit', () => seen.push('once'));
    await cache.get('k');
    await cache.get('k');
    cache.events.off('hit', listener);
    await cache.get('k');
    cache.events.on('hit', listener);
    cache.events.removeAllListeners('hit');
    await cache.get('k');
    expect(seen).toEqual(['l1', 'l1', 'once', 'l1']);
  });

  it.each(['hit', 'miss', 'set', 'delete'] as const)('emits %s events to the listeners there are, after removeAllListeners() too', async (event) => {
    const cache = caches.l1Only();
    await cache.set('k', 1);
    const act = { hit: () => cache.get('k'), miss: () => cache.get('absent'), set: () => cache.set('k', 1), delete: () => cache.delete('absent') }[event];
    let heard = 0;
    const listener = () => heard++;
    await act();
    cache.events.on(event, listener);
    await act();
    cache.events.off(event, listener);
    await act();
    cache.events.on(event, listener);
    cache.events.removeAllListeners();
    await act();
    cache.events.once(event, listener);
    await act();
    await act();
    expect(heard).toBe(2);
  });

  it('emits typed events for hits, misses, sets and deletes', async () => {
    const cache = caches.twoTier();
    const seen: string[] = [];
    cache.events.on('hit', ({ tier }) => seen.push(`hit:${tier}`));
    cache.events.on('miss', () => seen.push('miss'));
    cache.events.on('set', () => seen.push('set'));
    cache.events.on('delete', () => seen.push('delete'));
    cache.events.on('load', ({ error }) => seen.push(error ? 'load:error' : 'load'));
    await cache.getOrSet('e', async () => 1);
    await cache.get('e');
    await cache.delete('e');
    expect(seen).toEqual(['miss', 'load', 'set', 'hit:l1', 'delete']);
  });

  it('reports evictions from a bounded L1', async () => {
    const cache = caches.l1Only({ l1: { maxEntries: 2 } });
    const evicted: string[] = [];
    cache.events.on('eviction', ({ key }) => evicted.push(key));
    for (const key of ['a', 'b', 'c']) await cache.set(key, key);
    expect(evicted).toEqual([cache.keyFor('a')]);
    expect(cache.stats().evictions).toBe(1);
  });

  it('refuses calls after close with E_CLOSED', async () => {
    const cache = new TieredCache({ l2: false });
    await cache.close();
    await expect(cache.get('x')).rejects.toMatchObject({ code: ErrorCode.Closed });
  });
});

describe('options validation', () => {
  it.each([
    [{ ttl: -5 }, 'ttl'],
    [{ l1: { maxEntries: 0 } }, 'l1.maxEntries'],
    [{ l1: { mutationSafe: 'yes' } }, 'l1.mutationSafe'],
    [{ l2: { redis: 42 } }, 'l2.redis'],
    [{ l2: { redis: 'redis://x', breaker: { openMs: -1 } } }, 'l2.breaker.openMs'],
    [{ l2: { redis: 'redis://x', maxDecompressedBytes: 0 } }, 'l2.maxDecompressedBytes'],
    [{ l1: false, l2: false }, 'l1'],
    [{ namespace: '' }, 'namespace'],
    [{ jitter: 1.5 }, 'jitter'],
    [{ maxKeyLength: 10 }, 'maxKeyLength'],
  ])('names the bad field in %p', (options, field) => {
    expect(() => new TieredCache(options as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption, message: expect.stringContaining(`\`${field}\``) }),
    );
  });
  describe('given per call', () => {
    let cache: TieredCache;
    beforeEach(async () => {
      cache = caches.l1Only();
      await cache.set('k', 1);
    });
    const bad = (field: string, suggestion?: string) =>
      expect.objectContaining({ code: ErrorCode.InvalidOption, message: expect.stringMatching(new RegExp(`\`${field.replace(/[.[\]]/g, '\\$&')}\`.*${suggestion ?? ''}`)) });

    it.each([
      ['getOrSet, on a hit too', () => cache.getOrSet('k', async () => 2, { tll: 5 } as never), 'options.tll', 'ttl'],
      ['getOrSet on a miss', () => cache.getOrSet('absent', async () => 2, { tag: ['t'] } as never), 'options.tag', 'tags'],
      ['get', () => cache.get('k', { grac: 5 } as never), 'options.grac', 'grace'],
      ['getMany', () => cache.getMany(['k'], { tags: ['t'] } as never), 'options.tags', ''],
      ['set', () => cache.set('k', 2, { tagz: ['t'] } as never), 'options.tagz', 'tags'],
      ['setMany', () => cache.setMany([{ key: 'k', value: 2, options: { tgs: ['t'] } as never }]), 'items[0].options.tgs', 'tags'],
      ['invalidateTags', () => cache.invalidateTags(['t'], { mod: 'soft' } as never), 'options.mod', 'mode'],
      ['a loader\'s setOptions', () => cache.getOrSet('fresh', async ({ setOptions }) => (setOptions({ ttll: 5 } as never), 1)), 'setOptions.ttll', 'ttl'],
    ])('%s rejects an unknown option, naming it and the closest known one', async (_name, call, field, suggestion) => {
      await expect(call()).rejects.toThrow(bad(field, suggestion));
    });

    it('namespace() rejects unknown defaults and options, and options that are not an object', () => {
      expect(() => cache.namespace('n', { tll: 5 } as never)).toThrow(bad('defaults.tll', 'ttl'));
      expect(() => cache.namespace('n', undefined, { l1PerChild: { maxByte: 5 } } as never)).toThrow(bad('options.l1PerChild.maxByte', 'maxBytes'));
      expect(() => cache.namespace('n', undefined, 'big' as never)).toThrow(bad('options'));
    });

    it('checks frozen options (a decorator\'s) once, and rejects a bad frozen one on every call', async () => {
      const good = Object.freeze({ ttl: 5_000, label: 'L' });
      const bad = Object.freeze({ tll: 5_000 });
      for (let i = 0; i < 3; i++) {
        expect(await cache.getOrSet('k', async () => 2, good)).toBe(1);
        await expect(cache.getOrSet('k', async () => 2, bad as never)).rejects.toThrow(/`options\.tll`/);
      }
      // Remembered per kind of options: what getOrSet takes, set does not.
      await expect(cache.set('k', 2, good as never)).rejects.toThrow(/`options\.label`/);
    });

    it('get rejects options that are not an object', async () => {
      await expect(cache.get('k', 'fast' as never)).rejects.toThrow(bad('options'));
    });

    it('still takes every known option', async () => {
      const options = { ttl: 5_000, l1Ttl: 1_000, jitter: 0.1, negativeTtl: 100, grace: 10, failSafeThrottle: 1, softTimeout: 0, hardTimeout: 0, loadTimeout: 0, refreshAhead: 0, earlyRefreshBeta: 0, distributed: false, tags: ['t'], label: 'L' };
      expect(await cache.getOrSet('all', async () => 'v', options)).toBe('v');
      const { label: _label, ...writeOptions } = options;
      await cache.set('all', 'w', writeOptions);
      expect(await cache.getMany(['all'], { ttl: 1 })).toEqual(new Map([['all', 'w']]));
    });
  });
});
