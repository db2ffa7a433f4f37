import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { ErrorCode } from '../../src/errors.js';
import { RedisLockProvider } from '../../src/locks/index.js';
import { aborted, expectCode, lockProviderConformance } from './lock-provider.conformance.js';

const redisUrl = (): string => {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
  return url;
};

// Each run gets its own keys, so specs sharing the global Redis never see each other's locks.
const testPrefix = (): string => `tc:test:${randomUUID()}:`;

describe('RedisLockProvider', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redisUrl());
  });
  afterAll(async () => {
    await client.quit();
  });

  describe('conformance', () => {
    lockProviderConformance(() => new RedisLockProvider({ client, keyPrefix: testPrefix() }));
  });

  describe('on Redis', () => {
    let locks: RedisLockProvider;
    let keyPrefix: string;
    let resource: string;
    let lockKey: string;

    beforeEach(() => {
      keyPrefix = testPrefix();
      locks = new RedisLockProvider({ client, keyPrefix });
      resource = `res-${randomUUID()}`;
      lockKey = `${keyPrefix}{${resource}}`;
    });
    afterEach(async () => {
      await locks.close();
    });

    it('stores the owner token with the lease as TTL, and a fence key that never expires, under one hash tag', async () => {
      const lock = await locks.acquire(resource, { ttlMs: 30_000 });

      expect(await client.get(lockKey)).toBe(lock.token);
      expect(await client.pttl(lockKey)).toBeGreaterThan(0);
      expect(await client.get(`${lockKey}:fence`)).toBe(String(lock.fence));
      expect(await client.pttl(`${lockKey}:fence`)).toBe(-1);

      await lock.release();
      expect(await client.exists(lockKey)).toBe(0);
      expect(await client.get(`${lockKey}:fence`)).toBe(String(lock.fence));
    });

    it('a release or extend by a non-owner changes nothing', async () => {
      const lock = await locks.acquire(resource, { ttlMs: 30_000 });
      // Another owner's token appears, as if our lease had lapsed and someone else had taken the lock.
      await client.set(lockKey, 'someone-else', 'PX', 30_000);

      expect(await lock.extend()).toBe(false);
      expect(lock.signal.aborted).toBe(true);
      expect(await lock.release()).toBe(false);
      expect(await client.get(lockKey)).toBe('someone-else');
      expect(await client.pttl(lockKey)).toBeGreaterThan(0);
    });

    it('aborts the signal when the watchdog finds the lease stolen', async () => {
      const lock = await locks.acquire(resource, { ttlMs: 300 });
      await client.del(lockKey);

      await aborted(lock.signal);
      expect(lock.signal.reason).toBeInstanceOf(Error);
      expect((lock.signal.reason as Error).message).toContain(resource);
      expect(await lock.release()).toBe(false);
      const next = await locks.tryAcquire(resource);
      expect(next?.fence).toBeGreaterThan(lock.fence);
      await next?.release();
    }, 15_000);

    it('wakes a waiter when another provider (another process) releases the lock', async () => {
      const other = new RedisLockProvider({ client, keyPrefix });
      try {
        // The wait (10 s) ends long before the lease (30 s): only the release can let it in.
        const holder = await other.acquire(resource, { ttlMs: 30_000 });
        const waiting = locks.acquire(resource, { waitMs: 10_000 });
        setTimeout(() => void holder.release(), 50);

        const next = await waiting;
        expect(next.fence).toBeGreaterThan(holder.fence);
        await next.release();
      } finally {
        await other.close();
      }
    }, 15_000);

    it('shares one subscription among all waiters and closes the connection it opened', async () => {
      const holder = await locks.acquire(resource, { ttlMs: 30_000 });
      const waiters = [1, 2, 3].map(() => locks.acquire(resource, { ttlMs: 30_000, waitMs: 10_000 }));
      const channel = `${keyPrefix}released`;
      await until(async () => (await numsub(channel)) === 1);
      expect(await numsub(channel)).toBe(1);

      await holder.release();
      await Promise.all(waiters.map(async (waiting) => (await waiting).release()));
      await locks.close();
      await until(async () => (await numsub(channel)) === 0);
    }, 5_000);

    it('leaves a subscriber it was given open', async () => {
      const subscriber = new Redis(redisUrl());
      const shared = new RedisLockProvider({ client, subscriber, keyPrefix });
      const holder = await shared.acquire(resource, { ttlMs: 30_000 });
      const waiting = shared.acquire(resource, { waitMs: 10_000 });
      await holder.release();
      await (await waiting).release();

      await shared.close();
      expect(subscriber.status).toBe('ready');
      await subscriber.quit();
    }, 15_000);

    it('rejects resources and prefixes that would break the Cluster hash tag', async () => {
      await expect(locks.acquire('}x')).rejects.toEqual(expectCode(ErrorCode.InvalidArgument));
      expect(() => new RedisLockProvider({ client, keyPrefix: 'tc:{lock}:' })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidOption }),
      );
      expect(() => new RedisLockProvider({} as never)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }));
    });
  });

  describe('with a server the test controls', () => {
    let server: RedisServerHandle;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('reloads its scripts after SCRIPT FLUSH', async () => {
      const own = new Redis(server.url);
      const locks = new RedisLockProvider({ client: own });
      await (await locks.acquire('flushed')).release();
      await own.script('FLUSH');

      const lock = await locks.acquire('flushed');
      expect(await lock.release()).toBe(true);
      await locks.close();
      await own.quit();
    });

    it('waits for releases even when the client fails fast instead of queueing commands', async () => {
      const own = new Redis(server.url, { enableOfflineQueue: false });
      await own.ping().catch(async () => new Promise((resolve) => own.once('ready', resolve)));
      const locks = new RedisLockProvider({ client: own });
      try {
        const holder = await locks.acquire('fail-fast', { ttlMs: 30_000 });
        const waiting = locks.acquire('fail-fast', { waitMs: 10_000 });
        setTimeout(() => void holder.release(), 50);

        await (await waiting).release();
      } finally {
        await locks.close();
        await own.quit();
      }
    }, 15_000);

    it('lets Redis errors from acquire propagate rather than failing open', async () => {
      const own = new Redis(server.url, { enableOfflineQueue: false });
      const locks = new RedisLockProvider({ client: own });
      await own.ping().catch(async () => new Promise((resolve) => own.once('ready', resolve)));
      await (await locks.acquire('outage')).release();

      await server.kill();
      await expect(locks.acquire('outage')).rejects.toBeInstanceOf(Error);
      await expect(locks.tryAcquire('outage')).rejects.toBeInstanceOf(Error);
      await locks.close();
      own.disconnect();
      await server.restart();
    });
  });

  describe('conformance on Redis Cluster', () => {
    let server: RedisServerHandle;
    let cluster: Cluster;
    beforeAll(async () => {
      // Without an announced IP the node reports an empty host in CLUSTER SLOTS and ioredis never connects.
      server = await startRedisServer(['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1']);
      cluster = await startSingleNodeCluster(server);
    }, 10_000);
    afterAll(async () => {
      await cluster.quit();
      await server.stop();
    });

    // A single node still refuses scripts whose keys span slots (CROSSSLOT), so this proves the layout.
    lockProviderConformance(() => new RedisLockProvider({ client: cluster, keyPrefix: testPrefix() }));
  });

  async function numsub(channel: string): Promise<number> {
    const [, count] = (await client.pubsub('NUMSUB', channel)) as [string, number];
    return count;
  }
});

/** Test-only polling for a server-side condition with no event to wait on; the test timeout bounds it. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(10);
}

async function startSingleNodeCluster(server: RedisServerHandle): Promise<Cluster> {
  const admin = new Redis(server.url);
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await until(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
  await admin.quit();
  const cluster = new Cluster([{ host: '127.0.0.1', port: server.port }]);
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
  return cluster;
}
