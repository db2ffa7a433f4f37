import { join } from 'node:path';
import type { TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { ChildWorkers, ask } from '../support/child-workers.js';
import { adminClient, eventually, redisUrl, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
const workers = new ChildWorkers();
afterEach(async () => {
  workers.killAll();
  await caches.closeAll();
});
afterAll(() => admin.quit());

function worker(namespace: string, counterKey: string, callers: number, mode: 'normal' | 'hang' = 'normal') {
  return workers.start(join(__dirname, 'fixtures', 'stampede-worker.mjs'), [redisUrl(), namespace, String(callers), counterKey, '200', mode]);
}

describe('fleet-wide single-flight', () => {
  it('runs a cold key’s loader once across 4 processes × 50 callers, and every caller gets its value', async () => {
    const namespace = uniqueNamespace('fleet');
    const counterKey = `${namespace}:loads`;
    const fleet = Array.from({ length: 4 }, () => worker(namespace, counterKey, 50));
    expect(await Promise.all(fleet.map((w) => ask<boolean>(w, 'ready')))).toEqual([true, true, true, true]);
    const results = await Promise.all(fleet.map((w) => ask<{ values: { loadedBy: number }[] }>(w, 'go')));
    expect(await admin.get(counterKey)).toBe('1');
    const loadedBy = new Set(results.flatMap((r) => r.values.map((v) => v.loadedBy)));
    expect(loadedBy.size).toBe(1);
    expect(results.every((r) => r.values.length === 50)).toBe(true);
  }, 30_000);

  it('lets another process take over when the loading process dies mid-load', async () => {
    const namespace = uniqueNamespace('takeover');
    const counterKey = `${namespace}:loads`;
    const doomed = worker(namespace, counterKey, 1, 'hang');
    await ask(doomed, 'ready');
    const loading = ask<string>(doomed, 'go');
    expect(await loading).toBe('loading');
    const survivor = worker(namespace, counterKey, 5);
    await ask(survivor, 'ready');
    const answer = ask<{ values: { loadedBy: number }[] }>(survivor, 'go');
    doomed.kill('SIGKILL');
    const { values } = await answer;
    expect(new Set(values.map((v) => v.loadedBy))).toEqual(new Set([survivor.pid]));
    expect(await admin.get(counterKey)).toBe('2');
  }, 30_000);

  it('two instances in one process share one load too, and the waiter is woken, not polling', async () => {
    const namespace = uniqueNamespace('pair');
    const [a, b] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await Promise.all([a.ready(), b.ready()]);
    let loads = 0;
    const waits: number[] = [];
    b.events.on('lock:wait', ({ durationMs }) => waits.push(durationMs));
    // a's loader runs only once a holds the fleet lock; it signals that, then holds the load until
    // b has been asking for a while, so b must find the lock taken and wait for it.
    let started!: () => void;
    const loadStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const loader = async () => (loads++, started(), await released, 'v');
    const first = a.getOrSet('k', loader);
    await loadStarted;
    const second = b.getOrSet('k', loader);
    setTimeout(release, 300);
    expect(await Promise.all([first, second])).toEqual(['v', 'v']);
    expect(loads).toBe(1);
    expect(waits).toHaveLength(1);
  });

  describe('callers who join in the tick their flight began in: the read goes with the lock attempt', () => {
    const callers = (cache: TieredCache, key: string, loader: () => Promise<string>) =>
      Promise.all(Array.from({ length: 20 }, () => cache.getOrSet(key, loader)));
    /** Two connected instances of one namespace: one writes what the other's callers find. */
    const writerAndReader = async () => {
      const namespace = uniqueNamespace('joined');
      const pair = [caches.twoTier({ namespace }), caches.twoTier({ namespace })] as const;
      await Promise.all(pair.map((cache) => cache.ready()));
      return pair;
    };
    const counted = (cache: TieredCache) => {
      const { hitsL2, misses, loads } = cache.stats();
      return { hitsL2, misses, loads };
    };

    it('a cold key: one miss, one load, and every caller gets its value', async () => {
      const cache = caches.twoTier({ namespace: uniqueNamespace('joined') });
      await cache.ready();
      expect(await callers(cache, 'k', async () => 'loaded')).toEqual(Array.from({ length: 20 }, () => 'loaded'));
      expect(counted(cache)).toEqual({ hitsL2: 0, misses: 1, loads: 1 });
    });

    it('a key L2 holds: one L2 hit, no miss, no load', async () => {
      const [writer, cache] = await writerAndReader();
      await writer.set('k', 'stored');
      expect(await callers(cache, 'k', async () => 'loaded')).toEqual(Array.from({ length: 20 }, () => 'stored'));
      expect(counted(cache)).toEqual({ hitsL2: 1, misses: 0, loads: 0 });
    });

    it('a key whose L2 entry a tag invalidated: the dead entry is never served, and it loads once', async () => {
      const [writer, cache] = await writerAndReader();
      await writer.set('k', 'old', { tags: ['t'] });
      await writer.invalidateTags(['t']);
      expect(await callers(cache, 'k', async () => 'new')).toEqual(Array.from({ length: 20 }, () => 'new'));
      expect(counted(cache)).toMatchObject({ hitsL2: 0, loads: 1 });
    });
  });

  it('a release that carries its value wakes only the waiters of its own database', async () => {
    // Pub/sub spans a server's databases: two deployments on one Redis, same namespace, same key.
    const namespace = uniqueNamespace('databases');
    const inDatabase = (db: number) => caches.twoTier({ namespace, l2: { redis: `${redisUrl()}/${db}` } });
    const [holder1, waiter1, holder2, waiter2] = [inDatabase(14), inDatabase(14), inDatabase(15), inDatabase(15)];
    await Promise.all([holder1, waiter1, holder2, waiter2].map((cache) => cache.ready()));
    const gated = () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      return { open, loader: (value: string) => async () => (await gate, value) };
    };
    const [gate1, gate2] = [gated(), gated()];
    let loads = 0;
    const counted = (loader: () => Promise<string>) => async () => (loads++, loader());
    const held1 = holder1.getOrSet('k', counted(gate1.loader('database 14')));
    const held2 = holder2.getOrSet('k', counted(gate2.loader('database 15')));
    await eventually(() => loads === 2);
    const waiting = [waiter1.getOrSet('k', async () => 'waiter 14 loaded'), waiter2.getOrSet('k', async () => 'waiter 15 loaded')];
    // Both waiters have marked their database's lock as waited for.
    const admins = [14, 15].map((db) => adminClient(`${redisUrl()}/${db}`));
    try {
      await eventually(async () => (await Promise.all(admins.map((admin) => admin.keys(`tiercache:load:*${namespace}*:waiting`)))).every((keys) => keys.length === 1));
    } finally {
      await Promise.all(admins.map((admin) => admin.quit()));
    }
    gate1.open();
    expect(await held1).toBe('database 14');
    expect(await waiting[0]).toBe('database 14');
    gate2.open();
    expect(await held2).toBe('database 15');
    expect(await waiting[1]).toBe('database 15');
  });

  it('loads locally, not fleet-wide, when asked', async () => {
    const namespace = uniqueNamespace('local');
    const [a, b] = [caches.twoTier({ namespace, distributed: false }), caches.twoTier({ namespace, distributed: false })];
    await Promise.all([a.ready(), b.ready()]);
    let loads = 0;
    // Each load finishes only once both have started: with a fleet-wide lock the second could never
    // start, and the first would give up at the deadline.
    const loader = async () => (loads++, await eventually(() => loads === 2, 5_000), 'v');
    expect(await Promise.all([a.getOrSet('k', loader), b.getOrSet('k', loader)])).toEqual(['v', 'v']);
    expect(loads).toBe(2);
  });
});
