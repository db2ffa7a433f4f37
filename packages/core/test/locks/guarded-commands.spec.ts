import { Redis } from 'ioredis';
import { redisBehindProxy } from '../support/redis-behind-proxy.js';
import { ErrorCode, TieredCache, type RedisLockProvider } from '../../src/index.js';
import { adminClient, eventually, recordingLogger, uniqueNamespace } from '../support/redis.js';
import { recordingCommands } from '../support/sent-commands.js';
import { FakeDatabase, WriteBehinds } from '../write-behind/support.js';

/**
 * Lock and maintenance commands go through L2's circuit breaker like every other command: with Redis
 * hung (a frozen proxy) and the breaker open, a lease is neither renewed nor released over the hung
 * connection (it expires instead), a lock that cannot be asked for fails fast with E_LOCK_UNAVAILABLE,
 * and a purge sends nothing.
 */
describe('lock and maintenance commands and the L2 breaker', () => {
  const open: TieredCache[] = [];
  const providers: RedisLockProvider[] = [];
  const queues = new WriteBehinds();

  const redis = redisBehindProxy(async () => {
    await queues.closeAll();
    await Promise.all(providers.splice(0).map((locks) => locks.close()));
    await Promise.all(open.splice(0).map((cache) => cache.close()));
  });

  /** A cache on the proxy, recording the name of every command its client sends. */
  async function make(l2: { loadLockTtl?: number; redis?: Redis } = {}, version?: string) {
    const sent: string[] = [];
    const count = recordingCommands(sent);
    const namespace = uniqueNamespace('guarded');
    const cache = new TieredCache(
      { namespace, version, logger: recordingLogger(), l2: { redis: redis.proxy.url, breaker: { openMs: 60_000, maxOpenMs: 60_000 }, ...l2 } },
      { wrapRemote: count },
    );
    open.push(cache);
    expect(await cache.ready()).toBe(true);
    return { cache, sent, namespace };
  }

  async function hangAndOpen(cache: TieredCache): Promise<void> {
    const opened = new Promise<void>((resolve) => cache.events.once('breaker:open', () => resolve()));
    redis.proxy.freeze();
    void cache.get('opens-the-breaker');
    await opened;
  }

  const lockCommands = (names: string[]) => names.filter((name) => name.startsWith('eval'));

  it("neither renews nor releases a load's lock over a hung Redis once the breaker is open: the lease expires", async () => {
    // The watchdog renews every ttl / 3: first after 1 s, once the breaker is open.
    const { cache, sent, namespace } = await make({ loadLockTtl: 3_000 });
    let loading = false;
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    // A failed load writes nothing, so its lock is released on its own (not in the write's script).
    const loaded = cache.getOrSet('k', async () => ((loading = true), await gate, Promise.reject(new Error('db down'))));
    await eventually(() => loading);
    await hangAndOpen(cache);
    sent.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    finish();
    await expect(loaded).rejects.toThrow('db down');
    // The release (behind the caller) has been tried.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lockCommands(sent)).toEqual([]);

    redis.proxy.thaw();
    const admin = adminClient(redis.server.url);
    try {
      // Nothing renewed it: the lease runs out on Redis by itself.
      await eventually(async () => (await admin.keys(`tiercache:load:*${namespace}*`)).length === 0);
    } finally {
      await admin.quit();
    }
  });

  it('a provider from cache.redisLocks() fails fast with E_LOCK_UNAVAILABLE while the breaker is open, sending nothing', async () => {
    const { cache, sent } = await make();
    const locks = cache.redisLocks({ keyPrefix: 'guarded:lock:' })!;
    providers.push(locks);
    await hangAndOpen(cache);
    sent.length = 0;
    await expect(locks.withLock('job', async () => 'ran', { waitMs: 5_000 })).rejects.toMatchObject({ code: ErrorCode.LockUnavailable });
    await expect(locks.tryAcquire('job')).rejects.toMatchObject({ code: ErrorCode.LockUnavailable });
    expect(lockCommands(sent)).toEqual([]);
  });

  it('purgeOtherVersions sends nothing while the breaker is open, and says it deleted nothing', async () => {
    const { cache, sent } = await make({}, 'v2');
    await hangAndOpen(cache);
    sent.length = 0;
    expect(await cache.purgeOtherVersions()).toEqual({ scanned: 0, deleted: 0 });
    expect(sent.filter((name) => name !== 'ping')).toEqual([]);
  });

  it('a write-behind write is written through at once while the breaker is open: kept, and nothing sent', async () => {
    const { cache, sent } = await make();
    const db = new FakeDatabase<number>();
    // A long enqueue timeout: only the breaker can make the write go through at once.
    const wb = queues.build(cache, db, { enqueueTimeoutMs: 60_000 });
    await wb.ready();
    await hangAndOpen(cache);
    sent.length = 0;
    const receipt = await wb.write('k', 1);
    expect(receipt.via).toBe('write-through');
    expect(db.rows.get('k')).toEqual({ seq: receipt.seq, value: 1 });
    expect(sent.filter((name) => name !== 'ping')).toEqual([]);
  });

  it('a lock taken by an attempt that was given up on (command timeout) is handed back, not kept and renewed', async () => {
    // A client of the application's without a command timeout of its own: only the breaker's bounds the
    // call, and the script's reply still arrives once Redis wakes.
    const client = new Redis(redis.proxy.url);
    try {
      const { cache } = await make({ redis: client });
      const locks = cache.redisLocks({ keyPrefix: 'guarded:late:' })!;
      providers.push(locks);
      await (await locks.acquire('warm-the-script'))!.release();
      redis.proxy.freeze();
      // The script waits in the frozen connection; the caller stops waiting after one command timeout.
      await expect(locks.acquire('job', { ttlMs: 30_000 })).rejects.toMatchObject({ code: ErrorCode.LockUnavailable });
      redis.proxy.thaw();
      const admin = adminClient(redis.server.url);
      try {
        // The script ran once Redis woke, and took the lock; its 30 s lease is handed straight back.
        await eventually(async () => (await admin.exists('guarded:late:{job}')) === 0 && (await admin.get('guarded:late:{job}:fence')) === '1');
        await eventually(() => cache.status().l2?.breakerOpen === false);
        const lock = await locks.tryAcquire('job');
        expect(lock).toBeDefined();
        await lock!.release();
      } finally {
        await admin.quit();
      }
    } finally {
      await Promise.all(providers.splice(0).map((locks) => locks.close()));
      await Promise.all(open.splice(0).map((cache) => cache.close()));
      client.disconnect();
    }
  });
});
