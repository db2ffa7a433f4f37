import { startTcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { AbsentKeyFilter, ErrorCode, type TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, redisUrl, silentLogger, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const filters: AbsentKeyFilter[] = [];
afterEach(async () => {
  for (const filter of filters.splice(0)) filter.close();
  await caches.closeAll();
});

async function ready(...list: TieredCache[]): Promise<void> {
  for (const cache of list) expect(await cache.ready()).toBe(true);
}

function filterOn(cache: TieredCache, options: { expectedItems?: number; falsePositiveRate?: number } = {}): AbsentKeyFilter {
  const filter = new AbsentKeyFilter({ name: 'agents', cache, expectedItems: 1_000, logger: silentLogger, ...options });
  filters.push(filter);
  return filter;
}

const agentKeys = (ids: Iterable<number>) => [...ids].map((id) => ['agent', id]);

describe('AbsentKeyFilter', () => {
  it('loads every key before the first build, then skips the loader only for keys never seen', async () => {
    const filter = filterOn(caches.l1Only());
    expect(await filter.mightContain(['agent', 99])).toBe(true);
    await filter.rebuild(() => agentKeys([1, 2, 3]));
    const loads: number[] = [];
    const find = (id: number) => filter.getOrSet(['agent', id], () => (loads.push(id), { id }), null);
    expect(await find(2)).toEqual({ id: 2 });
    expect(await find(99)).toBeNull();
    expect(loads).toEqual([2]);
    // The absent answer was not cached: once added, the key loads at once.
    await filter.add(['agent', 99]);
    expect(await find(99)).toEqual({ id: 99 });
    expect((await filter.stats()).skipped).toBe(1);
  });

  it('rebuilds into a new filter: a key gone from the source is absent after the swap', async () => {
    const filter = filterOn(caches.l1Only());
    await filter.rebuild(() => agentKeys([1, 2]));
    expect(await filter.mightContain(['agent', 2])).toBe(true);
    await filter.rebuild(async function* () {
      yield ['agent', 1];
    });
    expect(await filter.mightContain(['agent', 1])).toBe(true);
    expect(await filter.mightContain(['agent', 2])).toBe(false);
  });

  it('is shared through Redis: built on one instance, added to on another, seen by both', async () => {
    const namespace = uniqueNamespace('absent');
    const [ca, cb] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await ready(ca, cb);
    const [a, b] = [filterOn(ca), filterOn(cb)];
    await a.rebuild(() => agentKeys([1]));
    expect(await b.mightContain(['agent', 1])).toBe(true);
    expect(await b.mightContain(['agent', 2])).toBe(false);
    await b.add(['agent', 2]);
    expect(await a.mightContain(['agent', 2])).toBe(true);
  });

  it('never reports absent an entity created on another instance while a rebuild reads the source', async () => {
    const namespace = uniqueNamespace('absent');
    const instances = [caches.twoTier({ namespace }), caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await ready(...instances);
    const [builder, writer, reader] = instances.map((cache) => filterOn(cache)) as [AbsentKeyFilter, AbsentKeyFilter, AbsentKeyFilter];
    const db = new Set<number>([1, 2, 3]);
    await builder.rebuild(() => agentKeys(db));
    let nextId = 4;
    const reportedAbsent: number[] = [];
    // An entity is committed on `writer`, added to the filter there, and read on `reader` at once.
    const create = async (): Promise<void> => {
      const id = nextId++;
      db.add(id);
      await writer.add(['agent', id]);
      if (!(await reader.mightContain(['agent', id]))) reportedAbsent.push(id);
    };
    // The source reads a snapshot slowly, as a SELECT over a big table would, while entities are
    // created: during the read, after it and before the swap; some concurrently with each other.
    const outcome = await builder.rebuild(async function* () {
      for (const id of [...db]) {
        await Promise.all([create(), create()]);
        yield ['agent', id];
      }
      await Promise.all([create(), create(), create()]);
    });
    await create();
    expect(outcome).toMatchObject({ outcome: 'built', items: 3 });
    expect(reportedAbsent).toEqual([]);
    for (const id of db) if (!(await reader.mightContain(['agent', id]))) reportedAbsent.push(id);
    expect(db.size).toBe(13);
    expect(reportedAbsent).toEqual([]);
  });

  it('keeps keys added during a rebuild in the new filter without Redis too', async () => {
    const filter = filterOn(caches.l1Only());
    const db = new Set<number>([1, 2]);
    await filter.rebuild(() => agentKeys(db));
    let nextId = 3;
    await filter.rebuild(async function* () {
      for (const id of [...db]) {
        db.add(nextId);
        await filter.add(['agent', nextId++]);
        yield ['agent', id];
      }
    });
    for (const id of db) expect(await filter.mightContain(['agent', id])).toBe(true);
    expect(db.size).toBe(4);
  });

  it('lets one instance build at a time; the other skips', async () => {
    const namespace = uniqueNamespace('absent');
    const [ca, cb] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await ready(ca, cb);
    const [a, b] = [filterOn(ca), filterOn(cb)];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = a.rebuild(async function* () {
      yield ['agent', 1];
      await gate;
    });
    await eventually(async () => (await b.stats()).building);
    expect(await b.rebuild(() => agentKeys([2]))).toEqual({ outcome: 'skipped', reason: 'building' });
    release();
    expect((await first).outcome).toBe('built');
    expect(await b.mightContain(['agent', 1])).toBe(true);
  });

  it('gives up a rebuild whose lease ran out and another instance took over, keeping that one', async () => {
    const namespace = uniqueNamespace('absent');
    const [ca, cb] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await ready(ca, cb);
    const slow = new AbsentKeyFilter({ name: 'agents', cache: ca, expectedItems: 10, buildLeaseMs: 1, logger: silentLogger });
    const b = filterOn(cb);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stalled = slow.rebuild(async function* () {
      yield ['agent', 1];
      await gate;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await b.rebuild(() => agentKeys([2]))).toMatchObject({ outcome: 'built' });
    release();
    await expect(stalled).rejects.toMatchObject({ code: ErrorCode.LockLost });
    expect(await b.mightContain(['agent', 2])).toBe(true);
    expect(await b.mightContain(['agent', 1])).toBe(false);
  });

  it('reports fill and an estimated false-positive rate close to the configured one', async () => {
    const filter = filterOn(caches.twoTier(), { expectedItems: 2_000, falsePositiveRate: 0.01 });
    await filter.rebuild(() => agentKeys(Array.from({ length: 2_000 }, (_, i) => i)));
    const stats = await filter.stats();
    expect(stats).toMatchObject({ built: true, building: false, items: 2_000, configuredFalsePositiveRate: 0.01 });
    expect(stats.fill).toBeGreaterThan(0.3);
    expect(stats.fill).toBeLessThan(0.7);
    expect(stats.estimatedFalsePositiveRate).toBeLessThan(0.02);
    // Keys never added, asked all at once (2 000 round trips in series outlast the timeout on a busy machine).
    const answers = await Promise.all(Array.from({ length: 2_000 }, (_, i) => filter.mightContain(['agent', 10_000 + i])));
    expect(answers.filter(Boolean).length / 2_000).toBeLessThan(0.03);
  }, 20_000);

  it('keeps loading while an addition cannot reach Redis, and adds it once Redis is back', async () => {
    const namespace = uniqueNamespace('absent');
    const proxy = await startTcpProxy(Number(new URL(redisUrl()).port));
    try {
      const [viaProxy, direct] = [caches.twoTier({ namespace, l2: { redis: proxy.url, bus: false } }), caches.twoTier({ namespace })];
      await ready(viaProxy, direct);
      const [cut, other] = [filterOn(viaProxy), filterOn(direct)];
      await other.rebuild(() => agentKeys([1]));
      proxy.cut();
      await cut.add(['agent', 7]);
      expect(await cut.mightContain(['agent', 7])).toBe(true);
      expect(await cut.mightContain(['agent', 8])).toBe(true);
      proxy.heal();
      await eventually(() => other.mightContain(['agent', 7]), 10_000);
      await eventually(async () => (await cut.stats()).pendingAdds === 0, 10_000);
      expect(await cut.mightContain(['agent', 8])).toBe(false);
    } finally {
      await caches.closeAll();
      await proxy.close();
    }
  });

  it('refuses bad options and arguments with typed errors', async () => {
    const cache = caches.l1Only();
    const make = (options: object) => () => new AbsentKeyFilter({ name: 'agents', cache, expectedItems: 10, ...options } as never);
    expect(make({ falsePositiveRate: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }));
    expect(make({ expectedItems: 0 })).toThrow(/expectedItems/);
    expect(make({ name: 'a b' })).toThrow(/name/);
    expect(make({ cache: {} })).toThrow(/cache/);
    const filter = filterOn(cache);
    await expect(filter.rebuild([] as never)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(filter.addMany('x' as never)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    expect(() => filter.guard('k', 'x' as never, null)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });
});
