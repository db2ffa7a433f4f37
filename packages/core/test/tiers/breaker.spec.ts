import { redisBehindProxy } from '../support/redis-behind-proxy.js';
import { TieredCache } from '../../src/index.js';
import type { RemoteTier } from '../../src/tiers/remote-tier.js';
import { adminClient, eventually, recordingLogger, uniqueNamespace } from '../support/redis.js';
import { recordingCommands } from '../support/sent-commands.js';

/**
 * Redis that hangs (a frozen proxy: connections stay open, nothing answers) or is killed and
 * restarted. A backoff of a minute shows that the breaker closes on the first answer to a probe,
 * not when its timer runs out. Timings are in the `redis-hang` benchmark; these tests check behaviour.
 */
describe('the L2 circuit breaker', () => {
  const open: TieredCache[] = [];

  const redis = redisBehindProxy(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.close()));
  });

  /** A cache on the proxy, recording the name of every command its client sends. */
  async function make(url = redis.proxy.url) {
    const sent: string[] = [];
    const count = recordingCommands(sent);
    const logger = recordingLogger();
    const cache = new TieredCache(
      { namespace: uniqueNamespace('breaker'), logger, l2: { redis: url, breaker: { openMs: 60_000, maxOpenMs: 60_000 } } },
      { wrapRemote: count },
    );
    open.push(cache);
    const states: string[] = [];
    cache.events.on('breaker:open', ({ node }) => states.push(`open ${node}`));
    cache.events.on('breaker:close', ({ node }) => states.push(`close ${node}`));
    expect(await cache.ready()).toBe(true);
    return { cache, sent, states, logger };
  }

  it('opens on the first timeout of a hung Redis, releases every waiting call, and sends nothing while open', async () => {
    const { cache, sent, states, logger } = await make();
    const node = `127.0.0.1:${redis.proxy.port}`;
    redis.proxy.freeze();
    const loaded = await Promise.all([1, 2, 3, 4, 5].map((i) => cache.getOrSet(`cold-${i}`, async () => `db-${i}`)));
    expect(loaded).toEqual(['db-1', 'db-2', 'db-3', 'db-4', 'db-5']);
    expect(states).toEqual([`open ${node}`]);
    expect(cache.status().l2).toMatchObject({ breakerOpen: true, openNodes: [{ node }] });
    expect(logger.lines.filter((line) => line.startsWith('warn') && line.includes(node))).toHaveLength(1);

    sent.length = 0;
    await cache.set('k', 1);
    await cache.delete('k');
    await cache.invalidateTags(['t']);
    await cache.clear();
    expect(await cache.get('missing')).toBeUndefined();
    expect(await cache.getOrSet('cold-6', async () => 'db-6')).toBe('db-6');
    // Only the probe's PINGs, which wait in the frozen connection.
    expect(sent.filter((name) => name !== 'ping')).toEqual([]);
  });

  it('a call that met a timeout waits on Redis no more: no load lock, no write', async () => {
    const { cache, sent } = await make();
    redis.proxy.freeze();
    sent.length = 0;
    expect(await cache.getOrSet('cold', async () => 'db')).toBe('db');
    expect(sent.filter((name) => name !== 'ping')).toEqual(['get']);
  });

  it('never makes a caller wait for the L2 write of the value it loaded', async () => {
    let admit!: () => void;
    const gate = new Promise<void>((resolve) => (admit = resolve));
    const gated = (tier: RemoteTier) =>
      new Proxy(tier, {
        get(target, property) {
          if (property === 'write') return (items: Parameters<RemoteTier['write']>[0]) => gate.then(() => target.write(items));
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const cache = new TieredCache({ namespace: uniqueNamespace('gated'), logger: recordingLogger(), l2: { redis: redis.server.url } }, { wrapRemote: gated });
    open.push(cache);
    expect(await cache.ready()).toBe(true);
    // Resolves with the write held back. Had it waited, the write would have timed out (every L2
    // call is bounded by one command timeout), counting an error and opening the breaker.
    expect(await cache.getOrSet('k', async () => 'db')).toBe('db');
    admit();
    expect(cache.stats().errors).toBe(0);
    const admin = adminClient(redis.server.url);
    try {
      await eventually(async () => (await admin.get(cache.keyFor('k'))) !== null);
      expect(cache.status().l2?.breakerOpen).toBe(false);
    } finally {
      await admin.quit();
    }
  });

  it('does not open on a timeout of a node that answered other calls meanwhile: slow, not hung', async () => {
    // One command that never returns, on a server that answers everything else.
    const stuck = (tier: RemoteTier) =>
      new Proxy(tier, {
        get(target, property) {
          if (property === 'getMany') return (keys: string[]) => (keys.some((key) => key.endsWith(':stuck')) ? new Promise(() => undefined) : target.getMany(keys));
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const cache = new TieredCache({ namespace: uniqueNamespace('slow'), l1: false, logger: recordingLogger(), l2: { redis: redis.server.url } }, { wrapRemote: stuck });
    open.push(cache);
    expect(await cache.ready()).toBe(true);
    await cache.set('fine', 1);
    const stuckRead = cache.get('stuck');
    // In a later tick than the stuck read, so not in its batch.
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) expect(await cache.get('fine')).toBe(1);
    expect(await stuckRead).toBeUndefined();
    expect(cache.stats().errors).toBe(1);
    expect(cache.status().l2?.breakerOpen).toBe(false);
  });

  it('closes as soon as a hung Redis answers again, and uses it at once', async () => {
    const { cache, states } = await make();
    redis.proxy.freeze();
    await cache.getOrSet('cold', async () => 'db');
    expect(cache.status().l2?.breakerOpen).toBe(true);
    redis.proxy.thaw();
    await eventually(() => cache.status().l2?.breakerOpen === false);
    expect(states.map((state) => state.split(' ')[0])).toEqual(['open', 'close']);
    await cache.set('after', 'v');
    const admin = adminClient(redis.server.url);
    try {
      expect(await admin.get(cache.keyFor('after'))).not.toBeNull();
    } finally {
      await admin.quit();
    }
  });

  it('after Redis is killed and restarted empty under load, closes on the first answer: no caller error, no wrong value', async () => {
    const { cache } = await make();
    const admin = adminClient(redis.server.url);
    const failures: unknown[] = [];
    const wrong: string[] = [];
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `k${i % 50}`;
        try {
          const value = await cache.getOrSet(key, async () => `v:${key}`, { ttl: 60_000 });
          if (value !== `v:${key}`) wrong.push(`${key}=${String(value)}`);
        } catch (error) {
          failures.push(error);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await eventually(() => cache.stats().sets >= 50);
      // Hung first, so the breaker is open when Redis dies.
      redis.proxy.freeze();
      for (let i = 0; i < 3; i++) await cache.getOrSet(`cold-${i}`, async () => 'db');
      expect(cache.status().l2?.breakerOpen).toBe(true);
      await redis.server.kill();
      redis.proxy.thaw();
      await eventually(() => cache.status().l2?.connected === false);
      await redis.server.restart();
      // The backoff is a minute: only a prompt probe on reconnection puts L2 back in use this soon.
      await eventually(() => cache.status().l2?.connected === true && cache.status().l2?.breakerOpen === false);
      await cache.set('after', 'v');
      expect(await admin.get(cache.keyFor('after'))).not.toBeNull();
    } finally {
      stop = true;
      await load;
      await admin.quit();
    }
    expect(failures).toEqual([]);
    expect(wrong).toEqual([]);
  }, 20_000);
});
