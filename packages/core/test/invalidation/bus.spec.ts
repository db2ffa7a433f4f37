import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { TieredCache, type TieredCacheOptions } from '../../src/index.js';
import { FaultTier } from '../../src/testing/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, redisUrl, silentLogger, uniqueNamespace, remoteApplied } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

/** Two instances of one cache, each with its own connections, as two app servers would have. */
async function pair(options: TieredCacheOptions = {}): Promise<[TieredCache, TieredCache]> {
  const namespace = uniqueNamespace('bus');
  const a = caches.twoTier({ namespace, ...options });
  const b = caches.twoTier({ namespace, ...options });
  // Both connected and subscribed: a call made before that skips L2 by design, which no test here is about.
  expect(await Promise.all([a.ready(5_000), b.ready(5_000)])).toEqual([true, true]);
  return [a, b];
}

describe('invalidation bus between instances', () => {
  it("drops another instance's L1 copy when a key is set, deleted, tagged away or cleared", async () => {
    const [a, b] = await pair();
    await a.set('k', 'v1', { tags: ['t'] });
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1'); // now in B's L1

    let applied = remoteApplied(b);
    await a.set('k', 'v2', { tags: ['t'] });
    await applied;
    expect(await b.get('k')).toBe('v2');

    applied = remoteApplied(b);
    await a.invalidateTags(['t']);
    await applied;
    expect(await b.get('k')).toBeUndefined();

    await a.set('k', 'v3');
    expect(await b.get('k')).toBe('v3');
    applied = remoteApplied(b);
    await a.delete('k');
    await applied;
    expect(await b.get('k')).toBeUndefined();

    await a.set('c', 'before-clear');
    expect(await b.get('c')).toBe('before-clear');
    applied = remoteApplied(b);
    await a.clear();
    await applied;
    expect(await b.get('c')).toBeUndefined();
  });

  it('ignores its own messages, so its own writes stay in its L1', async () => {
    const [a] = await pair();
    let remote = 0;
    a.events.on('remote', () => remote++);
    await a.set('own', 1);
    await a.delete('other');
    expect(await a.get('own')).toBe(1);
    expect(remote).toBe(0);
    expect(a.stats().hitsL1).toBe(1);
  });

  it('announces the writes of concurrent sets and deletes in messages of up to 16 keys, which drop every one of them on a peer', async () => {
    const [a, b] = await pair();
    const keys = Array.from({ length: 20 }, (_, i) => `burst:${i}`);
    await a.setMany(keys.map((key) => ({ key, value: 'old' })));
    for (const key of keys) await b.get(key);
    for (const key of keys) expect(await b.get(key)).toBe('old'); // now in B's L1
    const heard: string[] = [];
    const sentinel = new Promise<void>((resolve) =>
      b.events.on('remote', ({ op }) => {
        heard.push(op);
        if (op === 'marks') resolve();
      }),
    );
    await Promise.all([...keys.slice(1).map((key) => a.set(key, 'new')), a.delete(keys[0]!)]);
    // Messages of one publisher arrive in order: once the tag's arrives, every earlier one has.
    await a.invalidateTags(['sentinel']);
    await sentinel;
    // The first 16 keys left as soon as they were written, the other 4 at the end of the tick.
    expect(heard).toEqual(['keys', 'keys', 'marks']);
    expect(await b.get(keys[0]!)).toBeUndefined();
    for (const key of keys.slice(1)) expect(await b.get(key)).toBe('new');
  });

  it('announces the keys of a write that failed again, even once the outage queue dropped its tombstone', async () => {
    const namespace = uniqueNamespace('bus');
    let faults!: FaultTier;
    const options = { namespace, logger: silentLogger, l2: { redis: redisUrl(), maxPendingWrites: 1 } };
    const a = caches.adopt(new TieredCache(options, { wrapRemote: (tier) => (faults = new FaultTier(tier)) }));
    const b = caches.twoTier({ namespace });
    expect(await Promise.all([a.ready(5_000), b.ready(5_000)])).toEqual([true, true]);
    await a.set('k1', 'old');
    expect(await b.get('k1')).toBe('old');
    expect(await b.get('k1')).toBe('old'); // now in B's L1
    // Each write fails, and with it the message its script carries. The queue keeps one removal
    // for replay, so k1's gives way to k2's: only the announcer still knows about k1.
    faults.fail('write', 2);
    await a.set('k1', 'new');
    await a.set('k2', 'new');
    await eventually(async () => {
      const { hitsL1 } = b.stats();
      await b.get('k1');
      return b.stats().hitsL1 === hitsL1;
    });
  });

  it('does not let a read racing with clear() refill L1 with the old value', async () => {
    const [a, b] = await pair();
    await a.set('race', 'old');
    let release!: () => void;
    // B misses L1 and its load is held open while A clears.
    const loading = b.getOrSet('race-load', () => new Promise<string>((resolve) => (release = () => resolve('old-load'))));
    const reading = b.get('race');
    const applied = remoteApplied(b, 2);
    await a.clear();
    release();
    await Promise.all([loading, reading, applied]);
    expect(await b.get('race')).toBeUndefined();
    expect(await b.get('race-load')).toBeUndefined();
  });

  it('deletes by pattern in Redis and in every L1, and counts', async () => {
    const [a, b] = await pair();
    await a.setMany(['tasks:agent:42:1', 'tasks:agent:42:2', 'tasks:agent:7:1'].map((key) => ({ key, value: key })));
    expect(await b.get('tasks:agent:42:1')).toBe('tasks:agent:42:1');
    const applied = remoteApplied(b);
    expect(await a.deleteByPattern(['tasks', 'agent', '42', '*'])).toBe(2);
    await applied;
    expect(await b.get('tasks:agent:42:1')).toBeUndefined();
    expect(await b.get('tasks:agent:7:1')).toBe('tasks:agent:7:1');
  });

  it('reaches instances in other OS processes', async () => {
    const fixture = join(__dirname, 'fixtures', 'bus-peer.mjs');
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'index.js'))) throw new Error('packages/core/dist is missing: run `npm run build` first');
    const namespace = uniqueNamespace('proc');
    const a = caches.twoTier({ namespace });
    await a.ready();
    await a.set('k', 'v1', { tags: ['t'] });
    const child = fork(fixture, [redisUrl(), namespace], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ask = (command: string) =>
      new Promise<unknown>((resolve) => {
        child.once('message', resolve);
        child.send(command);
      });
    try {
      expect(await ask('ready')).toBe(true);
      expect(await ask('get')).toEqual({ value: 'v1', l1Hits: 0 });
      expect(await ask('get')).toEqual({ value: 'v1', l1Hits: 1 }); // served from the child's L1
      await a.set('k', 'v2', { tags: ['t'] });
      await eventually(async () => ((await ask('get')) as { value: string }).value === 'v2');
      await a.invalidateTags(['t']);
      await eventually(async () => ((await ask('get')) as { value: unknown }).value === null);
    } finally {
      child.kill();
    }
  });
});

describe('Redis restarts', () => {
  let server: RedisServerHandle;
  beforeEach(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await caches.closeAll();
    await server.stop();
  });

  it('flushes L1 when the bus reconnects, so a value overwritten across a restart is not served', async () => {
    const namespace = uniqueNamespace('restart');
    const options = { namespace, logger: silentLogger, l2: { redis: server.url, breaker: { openMs: 50 } } };
    const a = caches.build(options);
    const b = caches.build(options);
    await Promise.all([a.ready(), b.ready()]);
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1'); // in B's L1
    await server.kill();
    await a.set('k', 'v2'); // Redis is down: the message is lost, and L2 gets a tombstone once back
    const resynced = new Promise<void>((resolve) => b.events.on('remote', ({ op }) => op === 'resync' && resolve()));
    await server.restart();
    await resynced;
    await eventually(async () => (await b.get('k')) === undefined);
    // Subscribed again (by our own 'ready' handler; ioredis's resubscription is off): messages arrive.
    await eventually(() => a.status().l2?.connected === true && !a.status().l2?.breakerOpen);
    const heard = remoteApplied(b);
    await a.set('k', 'v3');
    await heard;
  });

  it("announces a write whose script Redis had forgotten, without a gap in the publisher's numbers", async () => {
    const namespace = uniqueNamespace('scripts');
    const options = { namespace, logger: silentLogger, l2: { redis: server.url } };
    const a = caches.build(options);
    const b = caches.build(options);
    await Promise.all([a.ready(), b.ready()]);
    const first = remoteApplied(b);
    await a.set('k', 'v1');
    await first;
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1'); // in B's L1
    const heard: string[] = [];
    b.events.on('remote', ({ op }) => heard.push(op));
    const admin = new Redis(server.url);
    try {
      await admin.script('FLUSH');
    } finally {
      await admin.quit();
    }
    const applied = remoteApplied(b);
    // Refused as unknown, then sent with its source: the message it carries keeps its number.
    await a.set('k', 'v2');
    await applied;
    expect(heard).toEqual(['keys']);
    expect(await b.get('k')).toBe('v2');
  });
});

describe('versions', () => {
  it('makes old versions unreachable and purges their keys in the background, reporting progress', async () => {
    const namespace = uniqueNamespace('purge');
    const v1 = caches.twoTier({ namespace, version: 1, l2: { redis: redisUrl(), bus: false } });
    expect(await v1.ready()).toBe(true);
    await v1.setMany(Array.from({ length: 1_200 }, (_, i) => ({ key: `k${i}`, value: i })));
    const v2 = caches.twoTier({ namespace, version: 2, l2: { redis: redisUrl(), bus: false } });
    expect(await v2.ready()).toBe(true);
    await v2.set('k1', 'new');
    expect(await v2.get('k2')).toBeUndefined();
    const progress: number[] = [];
    const done = await v2.purgeOtherVersions(({ deleted }) => progress.push(deleted));
    expect(done.deleted).toBe(1_200);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    const admin = adminClient();
    try {
      expect(await admin.keys(`${namespace}*`)).toEqual([`${namespace}|v2:k1`]);
    } finally {
      await admin.quit();
    }
  });
});
