import { Redis } from 'ioredis';
import { startTcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { startRedisServer } from '../../../../tools/redis/redis-server.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

async function commandCount(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, [, calls]) => sum + Number(calls), 0);
}

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('tags (%s)', (_name, make) => {
  it('hard invalidation removes every tagged entry and only those', async () => {
    const cache = make();
    await cache.set('a1', 'x', { tags: ['agent:1'] });
    await cache.getOrSet('a1-stats', async () => 'y', { tags: ['agent:1', 'stats'] });
    await cache.set('a2', 'z', { tags: ['agent:2'] });
    await cache.invalidateTags(['agent:1']);
    expect(await cache.has('a1')).toBe(false);
    expect(await cache.has('a1-stats')).toBe(false);
    expect(await cache.get('a2')).toBe('z');
    const loader = jest.fn(async () => 'reloaded');
    expect(await cache.getOrSet('a1', loader, { tags: ['agent:1'] })).toBe('reloaded');
    expect(await cache.getOrSet('a1', loader, { tags: ['agent:1'] })).toBe('reloaded');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('soft invalidation makes entries stale: no longer served fresh', async () => {
    const cache = make();
    await cache.set('s', 'old', { tags: ['soft'] });
    await cache.invalidateTags(['soft'], { mode: 'soft' });
    expect(await cache.getOrSet('s', async () => 'new', { tags: ['soft'] })).toBe('new');
  });

  it('scopes tags to their namespace', async () => {
    const cache = make();
    const child = cache.namespace('child');
    await cache.set('k', 'root', { tags: ['t'] });
    await child.set('k', 'child', { tags: ['t'] });
    await child.invalidateTags(['t']);
    expect(await cache.get('k')).toBe('root');
    expect(await child.get('k')).toBeUndefined();
  });

  it('does not serve a value whose load began before an invalidation of its tag', async () => {
    const cache = make();
    let release!: () => void;
    let started!: () => void;
    const loaderStarted = new Promise<void>((resolve) => (started = resolve));
    const loading = cache.getOrSet(
      'racy',
      () => new Promise<string>((resolve) => ((release = () => resolve('before')), started())),
      { tags: ['r'] },
    );
    await loaderStarted;
    await cache.invalidateTags(['r']);
    release();
    expect(await loading).toBe('before');
    expect(await cache.getOrSet('racy', async () => 'after', { tags: ['r'] })).toBe('after');
  });

  it('keeps a value written right after an invalidation, even within the same millisecond', async () => {
    const cache = make();
    for (let i = 0; i < 20; i++) {
      await cache.invalidateTags(['ms']);
      await cache.set('ms', i, { tags: ['ms'] });
      expect(await cache.get('ms')).toBe(i);
    }
  });

  it('rejects bad tags with a typed error', async () => {
    const cache = make();
    await expect(cache.set('k', 1, { tags: [''] })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    await expect(cache.invalidateTags([42 as never])).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    await expect(cache.invalidateTags(['t'], { mode: 'gentle' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});

describe('tag cost and bookkeeping in Redis', () => {
  it('sends the same commands to invalidate a tag on 10 entries as on 2 000', async () => {
    // A server of its own: other test files run concurrently against the shared one.
    const server = await startRedisServer();
    const counter = new Redis(server.url);
    try {
      const counts: number[] = [];
      for (const size of [10, 2_000]) {
        const cache = caches.l2Only({ l2: { redis: server.url, bus: false } });
        expect(await cache.ready()).toBe(true);
        await cache.setMany(Array.from({ length: size }, (_, i) => ({ key: `k${i}`, value: i, options: { tags: ['bulk'] } })));
        await cache.invalidateTags(['warm-up']); // the first run of the mark script loads it
        const before = await commandCount(counter);
        await cache.invalidateTags(['bulk']);
        counts.push((await commandCount(counter)) - before);
        expect(await cache.has('k7')).toBe(false);
      }
      expect(counts[1]).toBe(counts[0]);
    } finally {
      await caches.closeAll();
      await counter.quit();
      await server.stop();
    }
  });

  it('stores nothing per tag until it is invalidated, then one expiring key', async () => {
    const namespace = uniqueNamespace('book');
    const cache = caches.l2Only({ namespace });
    await cache.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i, options: { tags: ['t1', 't2'] } })));
    const keys = async () => (await admin.keys(`${namespace}:*`)).sort();
    expect(await keys()).toHaveLength(100);
    await cache.invalidateTags(['t1']);
    const marks = (await keys()).filter((key) => key.includes('|t|'));
    expect(marks).toEqual([`${namespace}:|t|t1`]);
    expect(await admin.pttl(marks[0]!)).toBeGreaterThan(0);
  });

  it('keeps invalidations made while Redis is unreachable and writes them when it is back', async () => {
    // Its own server, reached through a proxy the test cuts: a real partition, not the shared Redis.
    const server = await startRedisServer();
    const proxy = await startTcpProxy(server.port);
    const admin = new Redis(server.url);
    try {
      const namespace = uniqueNamespace('pending');
      const mark = `${namespace}:|t|p`;
      const writer = caches.l2Only({ namespace, l2: { redis: proxy.url, bus: false, breaker: { openMs: 30 } } });
      await writer.set('k', 'v', { tags: ['p'] });
      proxy.cut();
      // Invalidated once the writer knows Redis is gone, so the mark cannot be a command that was
      // already on the wire (ioredis resends those on reconnect by itself).
      await eventually(() => writer.status().l2?.connected === false);
      await writer.invalidateTags(['p']);
      // The mark did not reach Redis: only a replay can write it now.
      expect(await admin.exists(mark)).toBe(0);
      proxy.heal();
      await eventually(async () => (await admin.exists(mark)) === 1, 10_000);
      // And it is the mark that hides the entry from an instance that reads it from Redis.
      const reader = caches.l2Only({ namespace, l2: { redis: server.url, bus: false } });
      expect(await reader.has('k')).toBe(false);
    } finally {
      // Caches first: closing the proxy under a live client would send it reconnecting.
      await caches.closeAll();
      await admin.quit();
      await proxy.close();
      await server.stop();
    }
  }, 20_000);

  it('an instance that already read the entry stops serving it once the replayed invalidation lands', async () => {
    const server = await startRedisServer();
    const proxy = await startTcpProxy(server.port);
    try {
      const namespace = uniqueNamespace('pending-peer');
      const writer = caches.l2Only({ namespace, l2: { redis: proxy.url, breaker: { openMs: 30 } } });
      const reader = caches.l2Only({ namespace, l2: { redis: server.url } });
      expect(await Promise.all([writer.ready(), reader.ready()])).toEqual([true, true]);
      await writer.set('k', 'v', { tags: ['p'] });
      expect(await reader.has('k')).toBe(true);
      // The reader has learned the tag's mark (none): from now on it relies on messages.
      proxy.cut();
      await eventually(() => writer.status().l2?.connected === false);
      await writer.invalidateTags(['p']);
      expect(await reader.has('k')).toBe(true);
      proxy.heal();
      await eventually(async () => !(await reader.has('k')), 10_000);
    } finally {
      await caches.closeAll();
      await proxy.close();
      await server.stop();
    }
  }, 20_000);
});
