import type { Cluster } from 'ioredis';
import { TieredCache, type TieredCacheOptions } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace, remoteApplied } from '../support/redis.js';
import { closeCluster, clusterNodes, connectCluster, masterPortsOf } from './cluster-support.js';

const caches = new CacheFactory();
let admin: Cluster;
beforeAll(async () => {
  admin = await connectCluster();
});
afterEach(() => caches.closeAll());
afterAll(() => closeCluster(admin));

/** A cache on the shared cluster with its own Cluster client, as one app server would have. */
function onCluster(options: TieredCacheOptions = {}): TieredCache {
  return caches.build({ ...options, l2: { redis: { cluster: clusterNodes() }, ...options.l2 } });
}

async function pair(options: TieredCacheOptions = {}): Promise<[TieredCache, TieredCache]> {
  const namespace = uniqueNamespace('cbus');
  const a = onCluster({ namespace, ...options });
  const b = onCluster({ namespace, ...options });
  expect(await Promise.all([a.ready(10_000), b.ready(10_000)])).toEqual([true, true]);
  return [a, b];
}

/**
 * Runs a write of another instance and waits until `cache` has heard of it: on a cluster a message
 * reaches a subscriber on another node a little after PUBLISH returns, and a late one could otherwise
 * be mistaken for the message a test is waiting for next.
 */
async function heardBy(cache: TieredCache, write: () => Promise<unknown>, messages = 1): Promise<void> {
  const applied = remoteApplied(cache, messages);
  await write();
  await applied;
}

/** Every key on every master matching `pattern`: what is really left in the cluster. */
async function keysOnMasters(pattern: string): Promise<string[]> {
  const perNode = await Promise.all(admin.nodes('master').map((node) => node.keys(pattern)));
  return perNode.flat().sort();
}

async function countsPerMaster(pattern: string): Promise<number[]> {
  return Promise.all(admin.nodes('master').map(async (node) => (await node.keys(pattern)).length));
}

describe('invalidation on Redis Cluster', () => {
  it("drops another instance's L1 copy when a key is set, deleted, tagged away or cleared", async () => {
    const [a, b] = await pair();
    // On a cluster a message reaches a subscriber on another node a little after PUBLISH returns:
    // wait for it, or it could arrive after B's read and drop the copy this test wants to see reused.
    let applied = remoteApplied(b);
    await a.set('k', 'v1', { tags: ['t'] });
    await applied;
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1');
    expect(b.stats().hitsL1).toBe(1);

    applied = remoteApplied(b);
    await a.set('k', 'v2', { tags: ['t'] });
    await applied;
    expect(await b.get('k')).toBe('v2');

    applied = remoteApplied(b);
    await a.invalidateTags(['t']);
    await applied;
    expect(await b.get('k')).toBeUndefined();

    applied = remoteApplied(b);
    await a.set('k', 'v3');
    await applied;
    expect(await b.get('k')).toBe('v3');
    applied = remoteApplied(b);
    await a.delete('k');
    await applied;
    expect(await b.get('k')).toBeUndefined();

    applied = remoteApplied(b);
    await a.set('c', 'before-clear');
    await applied;
    expect(await b.get('c')).toBe('before-clear');
    applied = remoteApplied(b);
    await a.clear();
    await applied;
    expect(await b.get('c')).toBeUndefined();
  });

  it('reads, writes and deletes many entries spread over every master', async () => {
    const [a, b] = await pair();
    const keys = Array.from({ length: 400 }, (_, i) => `item:${i}`);
    expect(masterPortsOf(admin, keys.map((key) => a.keyFor(key))).size).toBe(3);
    await heardBy(b, () => a.setMany(keys.map((key, i) => ({ key, value: { i }, options: { tags: [`group:${i % 40}`] } }))));

    const read = await b.getMany<{ i: number }>(keys);
    expect(read.size).toBe(400);
    expect(read.get('item:399')).toEqual({ i: 399 });

    await heardBy(b, () => a.deleteMany(keys.slice(0, 200)));
    const after = await b.getMany(keys);
    expect([...after.keys()]).toEqual(keys.slice(200));
  });

  it('judges entries by tag marks living in other slots, read from L2 by an instance that never heard the message', async () => {
    const namespace = uniqueNamespace('cmarks');
    const writer = onCluster({ namespace });
    expect(await writer.ready(10_000)).toBe(true);
    const tags = Array.from({ length: 30 }, (_, i) => `tag:${i}`);
    const markKeys = tags.map((tag) => `${writer.prefix}|t|${tag}`);
    expect(masterPortsOf(admin, markKeys).size).toBe(3);
    await writer.setMany(tags.map((tag, i) => ({ key: `e${i}`, value: i, options: { tags: [tag, 'all'] } })));
    await writer.invalidateTags(tags.filter((_, i) => i % 3 === 0));
    await writer.invalidateTags(['tag:1'], { mode: 'soft' });

    // A fresh instance has no marks in memory: it must fetch them from every master.
    const reader = onCluster({ namespace, l1: false });
    expect(await reader.ready(10_000)).toBe(true);
    const found = await reader.getMany<number>(tags.map((_, i) => `e${i}`));
    expect([...found.values()].sort((x, y) => x - y)).toEqual(
      tags.map((_, i) => i).filter((i) => i % 3 !== 0 && i !== 1),
    );
    expect(await reader.getOrSet('e1', async () => -1, { tags: ['tag:1', 'all'] })).toBe(-1);
    await writer.invalidateTags(['all']);
    const late = onCluster({ namespace, l1: false });
    expect(await late.ready(10_000)).toBe(true);
    expect((await late.getMany(tags.map((_, i) => `e${i}`))).size).toBe(0);
  });

  it('deletes by pattern on every master and in every L1, and counts across masters', async () => {
    const [a, b] = await pair();
    const doomed = Array.from({ length: 150 }, (_, i) => `tasks:agent:42:${i}`);
    await heardBy(b, () => a.setMany([...doomed, 'tasks:agent:7:1'].map((key) => ({ key, value: key }))));
    expect((await countsPerMaster(`${a.prefix}tasks:agent:42:*`)).every((count) => count > 0)).toBe(true);
    expect(await b.get('tasks:agent:42:1')).toBe('tasks:agent:42:1');

    const applied = remoteApplied(b);
    expect(await a.deleteByPattern(['tasks', 'agent', '42', '*'])).toBe(150);
    await applied;
    expect(await b.get('tasks:agent:42:1')).toBeUndefined();
    expect(await b.get('tasks:agent:7:1')).toBe('tasks:agent:7:1');
    expect(await keysOnMasters(`${a.prefix}tasks:agent:42:*`)).toEqual([]);
  });

  it('clears a namespace and its children on every master, keeping the clear mark', async () => {
    const [a, b] = await pair();
    const child = a.namespace('child');
    await heardBy(b, async () => {
      await a.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i })));
      await child.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i })));
    }, 2);
    expect((await countsPerMaster(`${a.prefix}*`)).every((count) => count > 0)).toBe(true);
    expect(await b.get('k1')).toBe(1);

    const applied = remoteApplied(b, 2);
    await a.clear();
    await applied;
    expect(await keysOnMasters(`${a.prefix}*`)).toEqual([`${a.prefix}|c`]);
    expect(await b.get('k1')).toBeUndefined();
    expect(await b.namespace('child').get('k1')).toBeUndefined();
  });

  it('purges other versions on every master, reporting progress', async () => {
    const namespace = uniqueNamespace('cpurge');
    const v1 = onCluster({ namespace, version: 1, l2: { redis: { cluster: clusterNodes() }, bus: false } });
    expect(await v1.ready(10_000)).toBe(true);
    await v1.setMany(Array.from({ length: 900 }, (_, i) => ({ key: `k${i}`, value: i })));
    const v2 = onCluster({ namespace, version: 2, l2: { redis: { cluster: clusterNodes() }, bus: false } });
    expect(await v2.ready(10_000)).toBe(true);
    await v2.set('k1', 'new');
    expect((await countsPerMaster(`${namespace}|v1:*`)).every((count) => count > 0)).toBe(true);

    const progress: number[] = [];
    const done = await v2.purgeOtherVersions(({ deleted }) => progress.push(deleted));
    expect(done.deleted).toBe(900);
    expect(progress.length).toBeGreaterThan(1);
    expect(await keysOnMasters(`${namespace}*`)).toEqual([`${namespace}|v2:k1`]);
  });

  it('works on a Cluster client the application passes in, which it leaves open', async () => {
    const namespace = uniqueNamespace('cgiven');
    const a = caches.build({ namespace, l2: { redis: admin } });
    const b = onCluster({ namespace });
    expect(await Promise.all([a.ready(10_000), b.ready(10_000)])).toEqual([true, true]);
    await heardBy(a, () => b.set('k', 'v1'));
    expect(await a.get('k')).toBe('v1');
    const applied = remoteApplied(a);
    await b.set('k', 'v2');
    await applied;
    expect(await a.get('k')).toBe('v2');
    await a.close();
    expect(admin.status).toBe('ready');
  });

  it("flushes an instance's L1 when its subscription's node drops it, and hears messages again on another node", async () => {
    const [a, b] = await pair();
    await heardBy(b, () => a.set('k', 'v1'));
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1'); // in B's L1

    // Drop every bus subscription on every node, as a node crash would; the write right after is
    // published while B is not subscribed anywhere, so B never hears of it.
    const resynced = new Promise<void>((resolve) =>
      b.events.on('remote', ({ op }) => {
        if (op === 'resync') resolve();
      }),
    );
    await Promise.all(admin.nodes('all').map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub')));
    await a.set('k', 'v2');
    await resynced;
    expect(await b.get('k')).toBe('v2');

    await heardBy(b, () => a.set('k', 'v3'));
    expect(await b.get('k')).toBe('v3');
  });
});
