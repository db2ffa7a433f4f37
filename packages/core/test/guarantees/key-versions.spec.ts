import fc from 'fast-check';
import { TieredCache, buildKey } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

const l1Only = (namespace: string, version?: string) =>
  new TieredCache({ namespace, version, l2: false, logger: silentLogger });

describe('keys across versions', () => {
  it('keeps a version apart from a key that looks like one', () => {
    const plain = l1Only('app');
    const versioned = l1Only('app', '2');
    expect(plain.keyFor('v2:x')).not.toBe(versioned.keyFor('x'));
    expect(plain.keyFor(['v2', 'x'])).not.toBe(versioned.keyFor('x'));
  });

  it('maps distinct (namespace, version, key) triples to distinct full keys', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'v', '2', ':', '|', '%', '~', '*'), minLength: 1, maxLength: 5 });
    const triple = fc.tuple(text, fc.option(text, { nil: undefined }), fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })));
    fc.assert(
      fc.property(triple, triple, ([ns1, v1, k1], [ns2, v2, k2]) => {
        // Keys are compared as built: a string key and the parts it splits into name one entry, by design.
        if (ns1 === ns2 && v1 === v2 && buildKey(k1) === buildKey(k2)) return;
        expect(l1Only(ns1, v1).keyFor(k1)).not.toBe(l1Only(ns2, v2).keyFor(k2));
      }),
      { numRuns: 2_000, seed: 20261201 },
    );
  });

  it("an unversioned clear() leaves other versions' entries alone", async () => {
    const namespace = uniqueNamespace('ver');
    const plain = caches.twoTier({ namespace });
    const versioned = caches.twoTier({ namespace, version: '2' });
    // Written once connected: a write made while the first connection is slower than its 200 ms bound is not sent.
    expect(await Promise.all([plain.ready(), versioned.ready()])).toEqual([true, true]);
    await versioned.set('x', 'kept');
    await plain.clear();
    const reader = caches.twoTier({ namespace, version: '2', l1: false });
    expect(await reader.ready()).toBe(true);
    expect(await reader.get('x')).toBe('kept');
  });
});
