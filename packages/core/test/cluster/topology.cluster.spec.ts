import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawCommand, startRedisCluster, type ClusterNodeInfo, type RedisClusterHandle } from '../../../../tools/redis/redis-cluster.js';
import { TieredCache, type TieredCacheOptions } from '../../src/index.js';
import { RedisTier } from '../../src/tiers/redis-tier.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, uniqueNamespace } from '../support/redis.js';
import { closeCluster, connectCluster, slotOf } from './cluster-support.js';

// These tests reshard and kill nodes, so they own a cluster instead of sharing the run's.
let topology: RedisClusterHandle;
const caches = new CacheFactory();

beforeAll(async () => {
  topology = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
}, 30_000);
afterEach(() => caches.closeAll());
afterAll(async () => {
  await topology?.stop();
});

function onCluster(options: TieredCacheOptions = {}): TieredCache {
  return caches.build({ ...options, l2: { redis: { cluster: topology.startupNodes }, ...options.l2 } });
}

/** Records every fault a cache reports: faults are absorbed, but they must be explained. */
function faultsOf(cache: TieredCache): unknown[] {
  const faults: unknown[] = [];
  cache.events.on('fault', (fault) => faults.push(fault));
  return faults;
}

async function masters(): Promise<ClusterNodeInfo[]> {
  return (await topology.nodes()).filter((node) => node.role === 'master' && !node.failed && node.slots > 0);
}

/**
 * The database: one record per key, changed only by the worker that owns the key, so every read has
 * exactly one right answer at any moment.
 */
class SourceOfTruth {
  readonly #rows = new Map<string, number>();
  loads = 0;
  get(key: string): number {
    this.loads++;
    return this.#rows.get(key) ?? 0;
  }
  write(key: string): number {
    const next = (this.#rows.get(key) ?? 0) + 1;
    this.#rows.set(key, next);
    return next;
  }
  peek(key: string): number {
    return this.#rows.get(key) ?? 0;
  }
}

describe('resharding under traffic', () => {
  it('moves slots between masters while callers read and write, with no error and no wrong value', async () => {
    const namespace = uniqueNamespace('reshard');
    // A roomier command timeout than the 500 ms default: on a 2-core machine running six servers and a
    // reshard, a reply can wait longer than that for the CPU, and this test is about redirections.
    const l2 = { redis: { cluster: topology.startupNodes, options: { redisOptions: { commandTimeout: 3_000 } } } };
    const writer = onCluster({ namespace, l2 });
    const reader = onCluster({ namespace, l1: false, l2 }); // every read of this one goes to Redis
    expect(await Promise.all([writer.ready(10_000), reader.ready(10_000)])).toEqual([true, true]);
    const writerFaults = faultsOf(writer);
    const readerFaults = faultsOf(reader);

    const truth = new SourceOfTruth();
    const workers = 8;
    const keysPerWorker = 100;
    const keyOf = (worker: number, i: number) => `row:${worker}:${i}`;
    const wrong: string[] = [];
    const errors: unknown[] = [];
    let operations = 0;
    let stop = false;

    const check = (what: string, key: string, got: unknown, allowMiss: boolean) => {
      if (got === undefined && allowMiss) return;
      if (got !== truth.peek(key)) wrong.push(`${what} ${key}: got ${String(got)}, expected ${truth.peek(key)}`);
    };

    const work = async (worker: number): Promise<void> => {
      const keys = Array.from({ length: keysPerWorker }, (_, i) => keyOf(worker, i));
      let round = 0;
      while (!stop) {
        round++;
        try {
          const key = keys[(round * 7) % keys.length]!;
          check('getOrSet', key, await reader.getOrSet(key, async () => truth.get(key)), false);
          // A write through the writer, then reads through both instances must see it.
          const value = truth.write(key);
          await writer.set(key, value);
          check('writer.get', key, await writer.get(key), false);
          check('reader.get', key, await reader.get(key), true);
          // Bulk writes and reads: one pipeline per master, each spanning many slots.
          const batch = keys.filter((_, i) => (i + round) % 5 === 0);
          await writer.setMany(batch.map((k) => ({ key: k, value: truth.write(k) })));
          const found = await reader.getMany<number>(batch);
          for (const k of batch) check('reader.getMany', k, found.get(k), true);
          operations += 6;
        } catch (error) {
          errors.push(error);
        }
        // Steady traffic, not a busy loop: on a 2-core machine a saturated event loop would read
        // replies after the 500 ms command timeout and turn this into a CPU-starvation test.
        await sleep(5);
      }
    };

    const traffic = Array.from({ length: workers }, (_, worker) => work(worker));
    const all = Array.from({ length: workers * keysPerWorker }, (_, n) => keyOf(n % workers, Math.floor(n / workers)));
    let from: ClusterNodeInfo, to: ClusterNodeInfo, third: ClusterNodeInfo;
    let ownersBefore: string[];
    let opsDuring: number;
    // The loops stop whatever happens: a failed reshard must fail this test, not keep Jest running.
    try {
      await eventually(() => operations > 500, 10_000);
      [from, to, third] = (await masters()) as [ClusterNodeInfo, ClusterNodeInfo, ClusterNodeInfo];
      ownersBefore = await ownersOf(all.map((key) => writer.keyFor(key)));
      const opsBefore = operations;
      await topology.reshard(from.id, to.id, 1_000);
      await topology.reshard(to.id, third.id, 1_000);
      opsDuring = operations - opsBefore;
      const opsAfterReshard = operations;
      await eventually(() => operations > opsAfterReshard + 200, 10_000);
    } finally {
      stop = true;
      await Promise.all(traffic);
    }

    const after = await masters();
    expect(after.find((node) => node.id === from.id)!.slots).toBe(from.slots - 1_000);
    expect(after.find((node) => node.id === third.id)!.slots).toBe(third.slots + 1_000);
    // Traffic really ran while keys migrated, and many of our keys were among them.
    expect(opsDuring).toBeGreaterThan(0);
    const ownersAfter = await ownersOf(all.map((key) => writer.keyFor(key)));
    expect(ownersAfter.filter((owner, i) => owner !== ownersBefore[i]).length).toBeGreaterThan(20);

    expect(errors).toEqual([]);
    // Redirections are followed, not absorbed as faults (checked first: a write that failed leaves
    // the old value readable until its tombstone is replayed, which would show as a wrong value).
    expect({ writer: writerFaults, reader: readerFaults }).toEqual({ writer: [], reader: [] });
    expect(wrong).toEqual([]);

    // Every value is in Redis and right, read by a client that has never seen the old layout.
    const fresh = onCluster({ namespace, l1: false });
    const final = await fresh.getMany<number>(all);
    for (const key of all) if (truth.peek(key) > 0) check('final', key, final.get(key), false);
    expect(wrong).toEqual([]);
  }, 120_000);
});

describe('failover', () => {
  it('serves from L1 and loaders while a master is down, then uses L2 again once its replica is promoted', async () => {
    const namespace = uniqueNamespace('failover');
    // Tiercache's own fail-fast clients, as an application gets them from `{ cluster: nodes }`.
    const cache = onCluster({ namespace });
    const l2Only = onCluster({ namespace, l1: false });
    const peer = onCluster({ namespace }); // another instance, hearing the bus
    expect(await Promise.all([cache.ready(10_000), l2Only.ready(10_000), peer.ready(10_000)])).toEqual([true, true, true]);
    const cacheFaults = faultsOf(cache);
    const l2OnlyFaults = faultsOf(l2Only);

    const truth = new SourceOfTruth();
    const keys = Array.from({ length: 150 }, (_, i) => `row:${i}`);
    for (const key of keys) expect(await cache.getOrSet(key, async () => truth.get(key))).toBe(0);
    expect(truth.loads).toBe(150);

    // The victim: the master holding row:0. Wait until its replica has everything, as a healthy
    // replica would: a failover can lose writes the replica never received (that is Redis, not us).
    const [victimOwner, ...owners] = await ownersOf([cache.keyFor('row:0'), ...keys.map((key) => cache.keyFor(key))]);
    const victimPort = Number(victimOwner!.split(':')[1]);
    const onVictim = keys.filter((_, i) => owners[i] === victimOwner);
    const nodes = await topology.nodes();
    const victim = nodes.find((node) => node.port === victimPort)!;
    const replica = nodes.find((node) => node.masterId === victim.id)!;
    await eventually(async () => {
      const offset = (port: number) => rawInfo(port).then((info) => /master_repl_offset:(\d+)/.exec(info)![1]);
      return (await offset(victim.port)) === (await offset(replica.port));
    }, 10_000);

    const written = new Set<string>();
    const probe = new RedisTier({ cluster: topology.startupNodes });
    let health: Awaited<ReturnType<RedisTier['health']>>;
    // The probe reconnects forever on its own: it is closed whatever happens below.
    try {
      await probe.firstConnection();
      if (!probe.isReady()) await once(probe.client, 'ready');
      await topology.kill(victim.port);

      // Until the replica takes over, every call answers with the right value: from L1 (cache), or
      // from the loader (l2Only, whose reads of the dead shard miss). Writes go on too.
      let rounds = 0;
      const promoted = async () => (await topology.nodes()).some((node) => node.id === replica.id && node.role === 'master');
      while (!(await promoted()) || rounds < 3) {
        rounds++;
        for (const key of keys) {
          if (!written.has(key)) expect(await l2Only.getOrSet(key, async () => truth.get(key))).toBe(truth.peek(key));
          expect(await cache.getOrSet(key, async () => truth.get(key))).toBe(truth.peek(key));
        }
        const key = onVictim[rounds % onVictim.length]!;
        written.add(key);
        await cache.set(key, truth.write(key));
        expect(await cache.get(key)).toBe(truth.peek(key));
        await sleep(50);
      }
      await topology.waitUntilHealthy();
      // A health check names the dead node, while the cluster itself is whole again.
      health = await probe.health();
    } finally {
      await probe.close();
    }
    expect(health.cluster?.state).toBe('ok');
    expect(health.nodes.filter((node) => node.address === `127.0.0.1:${victim.port}`).map((node) => node.up)).toEqual([false]);
    expect(health.nodes.filter((node) => node.role === 'master' && node.up)).toHaveLength(3);
    // The outage was noticed (and counted), not hidden.
    expect(cacheFaults.length + l2OnlyFaults.length).toBeGreaterThan(0);

    // L2 serves the dead shard's keys again, from the promoted replica...
    const victimKey = onVictim.find((key) => !written.has(key))!;
    await eventually(async () => {
      const hits = l2Only.stats().hitsL2;
      const value = await l2Only.get(victimKey);
      return l2Only.stats().hitsL2 > hits && value === truth.peek(victimKey);
    }, 15_000);
    // ...and no key reads a wrong value from Redis once the replay is done: each holds its value, or
    // nothing. A write or a load whose L2 write failed during the outage left a tombstone (writes are
    // never replayed), so a key of the dead shard may miss; it never reads the value a write replaced.
    await eventually(async () => {
      const found = await l2Only.getMany<number>(keys);
      return keys.every((key) => !found.has(key) || found.get(key) === truth.peek(key));
    }, 15_000);
    // Reading every key through once fills what is missing: then Redis has them all, right.
    for (const key of keys) expect(await l2Only.getOrSet(key, async () => truth.get(key))).toBe(truth.peek(key));
    await eventually(async () => {
      const found = await l2Only.getMany<number>(keys);
      return keys.every((key) => found.get(key) === truth.peek(key));
    }, 15_000);
    expect(cache.status().l2).toEqual({ connected: true, breakerOpen: false, openNodes: [], pendingWrites: 0 });

    // The bus works across the new topology: the peer drops its L1 copy when the cache writes.
    expect(await peer.get('row:1')).toBe(truth.peek('row:1'));
    const heard = new Promise((resolve) => peer.events.once('remote', resolve));
    await cache.set('row:1', truth.write('row:1'));
    await heard;
    expect(await peer.get('row:1')).toBe(truth.peek('row:1'));
  }, 60_000);
});

/** Which master serves each key, as a client that has just read the slot map sees it. */
async function ownersOf(keys: readonly string[]): Promise<string[]> {
  const view = await connectCluster(topology.startupNodes);
  try {
    return keys.map((key) => view.slots[slotOf(key)]![0]!);
  } finally {
    await closeCluster(view);
  }
}

function rawInfo(port: number): Promise<string> {
  return rawCommand(port, ['INFO', 'replication']);
}
