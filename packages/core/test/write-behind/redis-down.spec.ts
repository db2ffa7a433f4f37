import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { TieredCache } from '../../src/index.js';
import { eventually, recordingLogger, silentLogger, uniqueNamespace } from '../support/redis.js';
import { FakeDatabase, WriteBehinds } from './support.js';

// This spec kills Redis, so it owns its server.
describe('WriteBehind with Redis down', () => {
  let server: RedisServerHandle;
  let cache: TieredCache;
  const queues = new WriteBehinds();

  beforeEach(async () => {
    server = await startRedisServer();
    cache = new TieredCache({ namespace: uniqueNamespace('wb-down'), logger: silentLogger, l2: { redis: server.url, breaker: { failureThreshold: 1, openMs: 50, maxOpenMs: 100 } } });
  });
  afterEach(async () => {
    await queues.closeAll();
    await cache.close();
    await server.stop();
  });

  it('writes through to the database synchronously, and queues again once Redis is back', async () => {
    const db = new FakeDatabase<number>();
    const logger = recordingLogger();
    const wb = queues.build(cache, db, { logger, enqueueTimeoutMs: 300 });
    await wb.ready();
    expect((await wb.write('before', 1)).via).toBe('queue');
    await eventually(() => db.rows.get('before')?.value === 1);

    await server.kill();
    const receipt = await wb.write('during', 2);
    expect(receipt.via).toBe('write-through');
    // Already in the database when the call resolves: nothing was buffered in memory.
    expect(db.rows.get('during')).toEqual({ seq: receipt.seq, value: 2 });
    expect(await cache.get('during')).toBe(2);
    expect((await wb.write('during', 3)).via).toBe('write-through');
    expect(logger.lines.filter((line) => line.includes('writing through')).length).toBe(1);

    await server.restart();
    await eventually(async () => (await wb.write('after', 4)).via === 'queue', 10_000);
    await eventually(() => db.rows.get('after')?.value === 4, 10_000);
    expect(db.rows.get('during')?.value).toBe(3);
  }, 20_000);
});
