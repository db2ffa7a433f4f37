import { Redis } from 'ioredis';
import { startRedisServer, freePort, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { startTcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { TieredCache } from '../../src/index.js';
import { eventually, recordingLogger, uniqueNamespace } from '../support/redis.js';

describe('Redis outages', () => {
  let server: RedisServerHandle;
  const open: TieredCache[] = [];
  const make = (logger = recordingLogger(), extra: object = {}) => {
    const cache = new TieredCache({
      namespace: uniqueNamespace('outage'),
      logger,
      l2: { redis: server.url, breaker: { failureThreshold: 2, openMs: 50, maxOpenMs: 200 } },
      ...extra,
    });
    open.push(cache);
    return cache;
  };

  beforeEach(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.close()));
    await server.stop();
  });

  it('serves the loader value at once when Redis was never reachable (closed port)', async () => {
    const port = await freePort();
    const cache = new TieredCache({ namespace: 'down', logger: recordingLogger(), l2: { redis: `redis://127.0.0.1:${port}` } });
    open.push(cache);
    const loader = jest.fn(async () => 'from-db');
    expect(await cache.getOrSet('k', loader)).toBe('from-db');
    expect(await cache.getOrSet('k', loader)).toBe('from-db');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('keeps answering while Redis is killed, opens the breaker, logs once, and recovers after a restart', async () => {
    const logger = recordingLogger();
    const cache = make(logger, { l1: false });
    await cache.set('before', 'v');
    await server.kill();

    let calls = 0;
    for (let i = 0; i < 20; i++) {
      expect(await cache.getOrSet(`during-${i}`, async () => ++calls)).toBe(calls);
      expect(await cache.get('before')).toBeUndefined();
    }
    await server.restart();
    await eventually(() => cache.status().l2?.connected === true && !cache.status().l2?.breakerOpen);
    // A write made during the outage is never replayed (it could land over a newer one), and L2
    // holds nothing older than it: the next read loads again.
    expect(await cache.get('during-19')).toBeUndefined();
    await cache.set('after', 'v');
    expect(await cache.get('after')).toBe('v');
    // One warning when L2 became unavailable, one line when it came back: not one per call.
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toHaveLength(1);
    expect(logger.lines.filter((line) => line.includes('back in use'))).toHaveLength(1);
  });

  it('opens the breaker on command failures from a server that is up but broken, then closes it', async () => {
    const logger = recordingLogger();
    const cache = make(logger);
    const states: string[] = [];
    cache.events.on('breaker:open', () => states.push('open'));
    cache.events.on('breaker:close', () => states.push('close'));
    await cache.set('warm', 1);
    const admin = new Redis(server.url);
    try {
      // Out of memory: every write fails with an error reply while the connection stays healthy.
      await admin.config('SET', 'maxmemory', '1');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      for (let i = 0; i < 5; i++) await cache.set(`k${i}`, 'x'.repeat(1000));
      expect(states).toEqual(['open']);
      expect(logger.lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
      await admin.config('SET', 'maxmemory', '0');
      await eventually(() => states.includes('close'));
      // The failed writes are not replayed: each key gets a tombstone, so no older value survives them.
      await eventually(async () => (await admin.get(cache.keyFor('k4')))?.startsWith('TCD') === true);
    } finally {
      await admin.quit();
    }
  });

  it('replays deletes made during an outage, so Redis cannot resurrect a deleted value', async () => {
    // A real partition between the cache and its Redis; the test looks at Redis directly.
    const proxy = await startTcpProxy(server.port);
    const admin = new Redis(server.url);
    try {
      const cache = make(recordingLogger(), { l1: false, l2: { redis: proxy.url, breaker: { failureThreshold: 2, openMs: 50, maxOpenMs: 200 } } });
      await cache.set('gone', 'old');
      expect(await admin.get(cache.keyFor('gone'))).not.toBeNull();
      proxy.cut();
      // Deleted once the cache knows Redis is gone. (A command already on the wire when the link
      // breaks times out, and ioredis resends it on reconnect by itself: that would pass this test
      // without any replay.)
      await eventually(() => cache.status().l2?.connected === false);
      await cache.delete('gone');
      // The delete did not reach Redis: only a replay can remove the old value now.
      expect(await admin.get(cache.keyFor('gone'))).not.toMatch(/^TCD/);
      expect(cache.status().l2?.pendingWrites).toBe(1);
      proxy.heal();
      // Replayed as a tombstone, which only an entry created after the delete can replace.
      await eventually(async () => /^TCD/.test((await admin.get(cache.keyFor('gone'))) ?? ''), 10_000);
      expect(await cache.get('gone')).toBeUndefined();
    } finally {
      // Caches first: closing the proxy under a live client would send it reconnecting.
      await Promise.all(open.splice(0).map((cache) => cache.close()));
      await admin.quit();
      await proxy.close();
    }
  }, 20_000);
});
