import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { TieredCache, WriteBehind } from '../../src/index.js';
import { eventually, silentLogger, uniqueNamespace } from '../support/redis.js';
import { FakeDatabase } from '../write-behind/support.js';
import { closeCluster, connectCluster, slotOf } from './cluster-support.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await connectCluster();
});
afterAll(() => closeCluster(cluster));

describe('WriteBehind on a 3-master Redis Cluster', () => {
  it('keeps each partition in one slot, spreads partitions over the masters, and writes everything in order', async () => {
    const cache = new TieredCache({ namespace: uniqueNamespace('wb-cluster'), logger: silentLogger, l2: { redis: cluster } });
    const db = new FakeDatabase<number>();
    const name = `wbc-${randomUUID().slice(0, 8)}`;
    const keyPrefix = 'tc:wbc:';
    const wb = new WriteBehind<number>({ name, cache, writer: db.writer, partitions: 8, flushEveryMs: 10, leaseMs: 1_000, keyPrefix, logger: silentLogger });
    try {
      await wb.ready();
      for (let n = 0; n < 300; n++) await wb.write(`k${n % 30}`, n);
      await eventually(() => db.written === 300, 10_000);
      for (const seqs of db.applied.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(db.rows.get('k29')?.value).toBe(299);
      expect((await wb.stats()).depth).toBe(0);

      const parts = ['stream', 'seq', 'latest', 'dead', 'lease'];
      const masters = new Set<string>();
      for (let p = 0; p < 8; p++) {
        const slots = new Set(parts.map((part) => slotOf(`${keyPrefix}{${name}:${p}}:${part}`)));
        expect(slots.size).toBe(1);
        masters.add(cluster.slots[[...slots][0]!]![0]!);
      }
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      await wb.close(2_000);
      await cache.close();
    }
  }, 20_000);
});
