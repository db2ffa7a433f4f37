import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { RedisLockProvider } from '../../src/locks/index.js';
import { lockProviderConformance } from '../locks/lock-provider.conformance.js';
import { closeCluster, connectCluster, slotOf } from './cluster-support.js';

const testPrefix = (): string => `tc:ctest:${randomUUID()}:`;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await connectCluster();
});
afterAll(() => closeCluster(cluster));

describe('RedisLockProvider on a 3-master Redis Cluster', () => {
  describe('conformance', () => {
    lockProviderConformance(() => new RedisLockProvider({ client: cluster, keyPrefix: testPrefix() }));
  });

  it('keeps the lock and fence keys of a resource in one slot, and resources spread over masters', async () => {
    const keyPrefix = testPrefix();
    const locks = new RedisLockProvider({ client: cluster, keyPrefix });
    const resources = Array.from({ length: 30 }, (_, i) => `invoice:${i}`);
    const held = await Promise.all(resources.map((resource) => locks.acquire(resource, { ttlMs: 30_000 })));
    for (const resource of resources) expect(slotOf(`${keyPrefix}{${resource}}`)).toBe(slotOf(`${keyPrefix}{${resource}}:fence`));
    expect(new Set(resources.map((resource) => cluster.slots[slotOf(`${keyPrefix}{${resource}}`)]![0])).size).toBe(3);
    await Promise.all(held.map((lock) => lock.release()));
    await locks.close();
  });

  it("wakes a waiter subscribed on another master than the lock key's", async () => {
    const keyPrefix = testPrefix();
    const resource = `cross-node-${randomUUID()}`;
    const owner = cluster.slots[slotOf(`${keyPrefix}{${resource}}`)]![0]!;
    const elsewhere = cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` !== owner)!;
    // A plain connection to a node that does not hold the key: the release (published by the script on
    // the key's master) must cross the cluster bus to reach it.
    const subscriber = new Redis({ host: elsewhere.options.host, port: elsewhere.options.port });
    const waiting = new RedisLockProvider({ client: cluster, subscriber, keyPrefix });
    const holding = new RedisLockProvider({ client: cluster, keyPrefix });
    try {
      const holder = await holding.acquire(resource, { ttlMs: 30_000 });
      // The wait (10 s) ends long before the lease (30 s) would: only the release message can wake
      // the waiter in time, and a missed message fails the acquire with E_LOCK_TIMEOUT.
      const next = waiting.acquire(resource, { ttlMs: 30_000, waitMs: 10_000 });
      setTimeout(() => void holder.release(), 100);
      const lock = await next;
      expect(lock.fence).toBeGreaterThan(holder.fence);
      await lock.release();
    } finally {
      await Promise.all([waiting.close(), holding.close()]);
      await subscriber.quit();
    }
  }, 20_000);
});
