import { once } from 'node:events';
import type { Cluster } from 'ioredis';
import { RedisTier } from '../../src/tiers/redis-tier.js';
import { uniqueNamespace } from '../support/redis.js';
import { describeTierConformance } from '../tiers/tier-conformance.js';
import { closeCluster, clusterNodes, connectCluster, masterPortsOf, slotOf } from './cluster-support.js';

/**
 * A tier whose own Cluster client is connected. `firstConnection()` waits only 200 ms (callers then
 * skip L2); a loaded machine can take longer to read the slot map, and these tests call the tier directly.
 */
async function connected(redis: RedisTier): Promise<RedisTier> {
  await redis.firstConnection();
  if (!redis.isReady()) await once(redis.client, 'ready');
  return redis;
}

// The shared conformance suite, on a tier that creates its own Cluster client from nodes.
let tier: RedisTier;
describeTierConformance(
  'RedisTier on Redis Cluster',
  async () => {
    tier = await connected(new RedisTier({ cluster: clusterNodes() }));
    return {
      tier,
      value: (n) => `value-${n}`,
      prefix: `${uniqueNamespace('ctier')}:`,
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  },
  () => tier.close(),
);

describe('RedisTier on Redis Cluster: keys spread over every slot range', () => {
  let admin: Cluster;
  beforeAll(async () => {
    admin = await connectCluster();
  });
  afterAll(() => closeCluster(admin));

  /** 600 keys land in hundreds of slots on all three masters. */
  function spread(prefix: string, count = 600): string[] {
    return Array.from({ length: count }, (_, i) => `${prefix}:k${i}`);
  }

  // Both an auto-pipelining client (what Tiercache creates) and a plain one (what a user may pass).
  describe.each([
    ['a client Tiercache creates', () => new RedisTier({ cluster: clusterNodes() })],
    ['a Cluster client passed in, without auto-pipelining', () => new RedisTier(admin)],
  ])('with %s', (_label, create) => {
    let redis: RedisTier;
    beforeEach(async () => {
      redis = await connected(create());
    });
    afterEach(() => redis.close());

    it('reads, writes and deletes many keys across slots and masters without CROSSSLOT', async () => {
      const keys = spread(uniqueNamespace('many'));
      expect(new Set(keys.map(slotOf)).size).toBeGreaterThan(500);
      expect(masterPortsOf(admin, keys).size).toBe(3);

      await redis.setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 30_000 })));
      expect(await redis.getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
      expect(await admin.get(keys[7]!)).toBe('v7');

      const doomed = keys.filter((_, i) => i % 2 === 0);
      await redis.delete(doomed);
      expect(await redis.getMany(keys)).toEqual(keys.map((_, i) => (i % 2 === 0 ? undefined : `v${i}`)));
    });

    it('writes and reads invalidation marks in many slots', async () => {
      const scope = uniqueNamespace('marks');
      const marks = Array.from({ length: 200 }, (_, i) => `${scope}|t|tag${i}`);
      expect(masterPortsOf(admin, marks).size).toBe(3);
      // Later than Redis's clock, which the script would otherwise stamp instead.
      const at = Date.now() + 3_600_000;
      const stored = await redis.writeMarks(
        marks.map((key, i) => ({ key, mode: i % 2 === 0 ? ('hard' as const) : ('soft' as const), at: at + i })),
        60_000,
      );
      expect(stored.slice(0, 3)).toEqual([at, at + 1, at + 2]);
      const read = await redis.readMarks([...marks, `${scope}|t|never`]);
      expect(read.slice(0, 3)).toEqual([
        { hard: at, soft: 0 },
        { hard: 0, soft: at + 1 },
        { hard: at + 2, soft: 0 },
      ]);
      expect(read.at(-1)).toEqual({ hard: 0, soft: 0 });
      expect(await admin.pttl(marks[0]!)).toBeGreaterThan(0);
    });

    it('deletes by pattern on every master and counts every deletion', async () => {
      const prefix = uniqueNamespace('scan');
      const keys = spread(`${prefix}:doomed`, 300);
      const kept = spread(`${prefix}:kept`, 30);
      await redis.setMany([...keys, ...kept].map((key) => ({ key, value: 'x', ttlMs: 30_000 })));

      const perMaster = await Promise.all(
        admin.nodes('master').map(async (node) => (await node.keys(`${prefix}:doomed:*`)).length),
      );
      expect(perMaster.every((count) => count > 0)).toBe(true);

      expect(await redis.deleteMatching(`${prefix}:doomed:*`)).toBe(300);
      expect((await redis.getMany(keys)).every((value) => value === undefined)).toBe(true);
      expect((await redis.getMany(kept)).every((value) => value === 'x')).toBe(true);
    });
  });

  it('accepts a Cluster client and never closes it', async () => {
    const given = new RedisTier(admin);
    expect(given.isReady()).toBe(true);
    await given.close();
    expect(await admin.ping()).toBe('PONG');
  });

  it('accepts cluster nodes with options, and closes the client it created', async () => {
    const owned = await connected(new RedisTier({ cluster: clusterNodes(), options: { slotsRefreshTimeout: 2_000 } }));
    await owned.ping();
    await owned.close();
    expect(owned.client.status).toBe('end');
  });

  it('reports the health of every node and of the cluster', async () => {
    const probe = new RedisTier(admin);
    const health = await probe.health();
    expect(health.cluster).toEqual({ state: 'ok', slotsFail: 0, knownNodes: 6 });
    const masters = health.nodes.filter((node) => node.role === 'master');
    expect(masters).toHaveLength(3);
    for (const node of health.nodes) {
      expect(node).toEqual(expect.objectContaining({ up: true, latencyMs: expect.any(Number), usedMemory: expect.any(Number), maxMemory: 0 }));
    }
  });
});
