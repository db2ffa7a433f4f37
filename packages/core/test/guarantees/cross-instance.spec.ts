import { TieredCache } from '../../src/index.js';
import { FaultTier } from '../../src/testing/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, redisUrl, silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

function gatedLoader<T>(value: T) {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const loader = async () => {
    started();
    await gate;
    return value;
  };
  return { loader, running, release };
}

describe('a load that began before another instance wrote', () => {
  it.each([
    { op: 'set', expected: 'new', skew: 0 },
    { op: 'delete', expected: undefined, skew: 0 },
    // Each instance measures its offset to Redis's clock over a round trip, and takes it low by the
    // uncertainty: a writer that measured over a slow one stamps behind the loader.
    { op: 'set', expected: 'new', skew: -50 },
    { op: 'delete', expected: undefined, skew: -50 },
  ] as const)('never overwrites its $op (writer clock off by $skew ms)', async ({ op, expected, skew }) => {
    const namespace = uniqueNamespace('lww');
    // The loading instance hears no bus message (which would drop its flight): only Redis can protect B's write.
    const a = caches.twoTier({ namespace, l1: false, distributed: false, l2: { redis: redisUrl(), bus: false } });
    let faults!: FaultTier;
    const b = caches.adopt(new TieredCache({ namespace, logger: silentLogger, l2: { redis: redisUrl() } }, { wrapRemote: (tier) => (faults = new FaultTier(tier)) }));
    await Promise.all([a.ready(), b.ready()]);
    faults.skewClock(skew);
    const slow = gatedLoader('old');
    const loading = a.getOrSet('k', slow.loader);
    await slow.running;
    if (op === 'set') await b.set('k', 'new');
    else await b.delete('k');
    slow.release();
    expect(await loading).toBe('old');
    const c = caches.twoTier({ namespace, l1: false });
    expect(await c.get('k')).toBe(expected);
  });
});

describe("a user's write", () => {
  it("is stamped with Redis's time, in one batch as alone, and stays readable", async () => {
    const namespace = uniqueNamespace('stamp');
    let faults!: FaultTier;
    const writer = caches.adopt(new TieredCache({ namespace, logger: silentLogger, l2: { redis: redisUrl() } }, { wrapRemote: (tier) => (faults = new FaultTier(tier)) }));
    expect(await writer.ready()).toBe(true);
    // The writer's clock is behind Redis's, so every stamp it sends is older than Redis's time.
    faults.skewClock(-5_000);
    const [seconds, micros] = await admin.time();
    const before = Number(seconds) * 1000 + Number(micros) / 1000;
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((key, i) => writer.set(key, { i, text: 'é'.repeat(i) })));
    await writer.set('alone', 'v');
    for (const key of [...keys, 'alone']) {
      const raw = (await admin.get(writer.keyFor(key)))!;
      const header = JSON.parse(raw.slice(3, raw.indexOf('\n'))) as number[];
      expect(header[0]).toBeGreaterThanOrEqual(before);
    }
    const reader = caches.twoTier({ namespace, l1: false });
    expect(await reader.getMany(keys)).toEqual(new Map(keys.map((key, i) => [key, { i, text: 'é'.repeat(i) }])));
    expect(await reader.get('alone')).toBe('v');
  });
});

describe("a user's writes made in one tick", () => {
  it('land in the order they were made, whether single (gathered) or several at once', async () => {
    const namespace = uniqueNamespace('order');
    const writer = caches.twoTier({ namespace });
    expect(await writer.ready()).toBe(true);
    // A single write waits in its node's batch for the tick; a setMany or deleteMany made after it
    // goes at once, so it must send that batch first.
    await Promise.all([writer.set('a', 'set'), writer.setMany([{ key: 'a', value: 'setMany' }]), writer.set('b', 'set'), writer.deleteMany(['b', 'other'])]);
    const reader = caches.twoTier({ namespace, l1: false });
    expect(await reader.get('a')).toBe('setMany');
    expect(await reader.get('b')).toBeUndefined();
  });
});

describe('a load that began after this instance deleted', () => {
  it('is written to Redis', async () => {
    const namespace = uniqueNamespace('after');
    const a = caches.l2Only({ namespace });
    expect(await a.ready()).toBe(true);
    // Redis stamps the tombstone with its own time, ahead of this host's (low) measure of it; a load
    // that begins once the delete is done must still count as newer, or Redis would refuse its write.
    await a.delete('k');
    expect(await a.getOrSet('k', async () => 'loaded')).toBe('loaded');
    const c = caches.l2Only({ namespace });
    await eventually(async () => (await c.get('k')) === 'loaded', 3_000);
  });
});

describe('an instance without L1', () => {
  it('stops serving an entry once another instance invalidated its tag', async () => {
    const namespace = uniqueNamespace('nol1');
    const reader = caches.twoTier({ namespace, l1: false });
    const writer = caches.twoTier({ namespace });
    await Promise.all([reader.ready(), writer.ready()]);
    await writer.set('k', 'v', { tags: ['t'] });
    expect(await reader.get('k')).toBe('v'); // learns that t was never invalidated
    await writer.invalidateTags(['t']);
    await eventually(async () => (await reader.get('k')) === undefined, 3_000);
  });
});

describe('mark retention in Redis', () => {
  it('keeps a mark at least as long as the longest entry any instance may write', async () => {
    const namespace = uniqueNamespace('retain');
    const writer = caches.twoTier({ namespace, ttl: 3 * 24 * 3600_000 });
    const invalidator = caches.twoTier({ namespace });
    expect(await Promise.all([writer.ready(), invalidator.ready()])).toEqual([true, true]);
    await writer.set('k', 'v', { tags: ['t'] });
    await invalidator.invalidateTags(['t']);
    const keys = await admin.keys(`${invalidator.prefix}*|t|t`);
    expect(keys).toHaveLength(1);
    expect(await admin.pttl(keys[0]!)).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
  });
});
