import type { Tier } from '../../src/tiers/tier.js';

export interface TierUnderTest<V> {
  tier: Tier<V>;
  /** A distinct value for each n. */
  value(n: number): V;
  /** Where this tier's keys live, so runs don't collide. */
  prefix: string;
  /** Lets the tier's clock pass `ms` (fake timers for L1, real waiting for Redis). */
  advance(ms: number): Promise<void>;
}

/** The contract every tier must meet; each tier's spec calls this with its own fixture. */
export function describeTierConformance<V>(name: string, setup: () => Promise<TierUnderTest<V>>, teardown: () => Promise<void>): void {
  describe(`${name} tier conformance`, () => {
    let t: TierUnderTest<V>;
    const key = (suffix: string) => `${t.prefix}${suffix}`;

    beforeEach(async () => {
      t = await setup();
    });
    afterEach(teardown);

    it('returns undefined for a key never set', async () => {
      expect(await t.tier.get(key('absent'))).toBeUndefined();
    });

    it('returns what was set, and the latest write wins', async () => {
      await t.tier.set(key('a'), t.value(1), 10_000);
      expect(await t.tier.get(key('a'))).toEqual(t.value(1));
      await t.tier.set(key('a'), t.value(2), 10_000);
      expect(await t.tier.get(key('a'))).toEqual(t.value(2));
    });

    it('forgets an item once its TTL has passed, and not before', async () => {
      await t.tier.set(key('short'), t.value(1), 150);
      await t.tier.set(key('long'), t.value(2), 60_000);
      expect(await t.tier.get(key('short'))).toEqual(t.value(1));
      await t.advance(400);
      expect(await t.tier.get(key('short'))).toBeUndefined();
      expect(await t.tier.get(key('long'))).toEqual(t.value(2));
    });

    it('reads and writes many keys in order, with holes for misses', async () => {
      await t.tier.setMany([
        { key: key('m1'), value: t.value(1), ttlMs: 10_000 },
        { key: key('m3'), value: t.value(3), ttlMs: 10_000 },
      ]);
      expect(await t.tier.getMany([key('m1'), key('m2'), key('m3')])).toEqual([t.value(1), undefined, t.value(3)]);
    });

    it('deletes the given keys only', async () => {
      await t.tier.setMany([1, 2, 3].map((n) => ({ key: key(`d${n}`), value: t.value(n), ttlMs: 10_000 })));
      await t.tier.delete([key('d1'), key('d3'), key('never-set')]);
      expect(await t.tier.getMany([key('d1'), key('d2'), key('d3')])).toEqual([undefined, t.value(2), undefined]);
    });

    it('deletes by glob pattern, treating escaped metacharacters literally, and counts', async () => {
      await t.tier.setMany(
        ['x:1', 'x:2', 'x:22', 'y:1', 'x*lit'].map((suffix, n) => ({ key: key(suffix), value: t.value(n), ttlMs: 10_000 })),
      );
      expect(await t.tier.deleteMatching(`${t.prefix}x:?`)).toBe(2);
      expect(await t.tier.getMany([key('x:1'), key('x:2'), key('x:22'), key('y:1')])).toEqual([
        undefined,
        undefined,
        t.value(2),
        t.value(3),
      ]);
      expect(await t.tier.deleteMatching(`${t.prefix}x\\*lit`)).toBe(1);
      expect(await t.tier.get(key('x:22'))).toEqual(t.value(2));
    });
  });
}
