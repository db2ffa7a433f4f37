import { ErrorCode, TiercacheError } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, recordingLogger } from '../support/redis.js';
import { FakeDatabase, WriteBehinds } from './support.js';

describe('WriteBehind on Redis', () => {
  const caches = new CacheFactory();
  const queues = new WriteBehinds();
  const admin = adminClient();
  afterEach(async () => {
    await queues.closeAll();
    await caches.closeAll();
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('updates the cache at once and writes to the database later, in batches of at most maxBatch', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<{ n: number }>();
    db.close();
    const wb = queues.build(cache, db, { maxBatch: 7 });
    expect(wb.durable).toBe(true);

    for (let n = 0; n < 30; n++) await wb.write(`k${n % 3}`, { n });
    expect(await cache.get('k2')).toEqual({ n: 29 });
    expect(db.written).toBe(0);
    expect((await wb.stats()).depth).toBe(30);

    db.open();
    await eventually(() => db.written === 30);
    expect(Math.max(...db.calls.map((batch) => batch.length))).toBeLessThanOrEqual(7);
    for (const seqs of db.applied.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(db.rows.get('k2')).toMatchObject({ value: { n: 29 } });
    await eventually(async () => (await wb.stats()).depth === 0);
  });

  it('gives every item a stable id and a sequence that grows per key', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.close();
    const wb = queues.build(cache, db);
    const first = await wb.write('a', 1);
    const second = await wb.write('a', 2);
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(first.via).toBe('queue');
    db.open();
    await eventually(() => db.written === 2);
    const delivered = db.calls.flat().filter((item) => item.key === 'a');
    expect(delivered.map((item) => [item.id, item.seq])).toEqual([
      [first.id, first.seq],
      [second.id, second.seq],
    ]);
  });

  it('coalesces the writes of a key inside a batch only when asked to', async () => {
    const cache = caches.twoTier();
    for (const coalesce of [false, true]) {
      const name = `wb-coalesce-${coalesce}-${Date.now()}`;
      // Queued by an instance that does not flush, so that the flusher finds all five in one read.
      const producer = queues.build(cache, new FakeDatabase<number>(), { name, flush: false, partitions: 1 });
      for (let n = 1; n <= 5; n++) await producer.write('same', n);
      const db = new FakeDatabase<number>();
      queues.build(cache, db, { name, coalesce, partitions: 1 });
      await eventually(() => db.rows.get('same')?.value === 5);
      expect(db.calls.flat().map((item) => item.value)).toEqual(coalesce ? [5] : [1, 2, 3, 4, 5]);
    }
  });

  it('returns the queued value while the write is pending, even after the entry was invalidated or evicted', async () => {
    const cache = caches.twoTier({ l1: { maxEntries: 1 } });
    const db = new FakeDatabase<string>();
    db.rows.set('agent:1', { seq: 0, value: 'old row' });
    db.close();
    const wb = queues.build(cache, db);
    const fromDatabase = async () => db.rows.get('agent:1')!.value;

    await wb.write('agent:1', 'queued');
    await cache.delete('agent:1');
    expect(await wb.getOrSet('agent:1', fromDatabase)).toBe('queued');

    // Evicted: L1 holds one entry, and Redis lost the key (as maxmemory eviction would do). The
    // load's L2 write lands after getOrSet answers: wait for it, or it could land after the loss.
    await eventually(async () => (await admin.exists(cache.keyFor('agent:1'))) === 1);
    await cache.set('other', 'x');
    await admin.del(cache.keyFor('agent:1'));
    expect(await cache.get('agent:1')).toBeUndefined();
    expect(await wb.getOrSet('agent:1', fromDatabase)).toBe('queued');

    db.open();
    await eventually(async () => (await wb.pending('agent:1')) === undefined);
    await cache.delete('agent:1');
    expect(await wb.getOrSet('agent:1', fromDatabase)).toBe('queued');
    expect(db.rows.get('agent:1')!.value).toBe('queued');
  });

  it('returns the queued value after the cache entry expired', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<string>();
    db.rows.set('session:9', { seq: 0, value: 'old row' });
    db.close();
    const wb = queues.build(cache, db);
    await wb.write('session:9', 'queued', { ttl: 30 });
    await eventually(async () => (await cache.get('session:9')) === undefined);
    expect(await wb.getOrSet('session:9', async () => db.rows.get('session:9')!.value)).toBe('queued');
    db.open();
  });

  it('retries while the database fails, then writes everything', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.failing = () => true;
    const wb = queues.build(cache, db, { maxAttempts: 1_000 });
    for (let n = 0; n < 20; n++) await wb.write(`k${n}`, n);
    await eventually(async () => (await wb.stats()).retries >= 3);
    expect(db.written).toBe(0);
    db.failing = undefined;
    await eventually(() => db.written === 20);
    expect((await wb.stats()).deadLetters).toBe(0);
  });

  it('dead-letters a poison item with its error and writes the rest; dead letters can be listed, requeued and dropped', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.failing = (item) => item.key === 'poison';
    const wb = queues.build(cache, db, { maxAttempts: 3, partitions: 1 });
    await wb.write('a', 1);
    await wb.write('poison', 2);
    await wb.write('b', 3);
    await eventually(async () => (await wb.stats()).deadLetters === 1);
    await eventually(() => db.written === 2);
    expect([...db.rows.keys()].sort()).toEqual(['a', 'b']);

    const [letter] = await wb.deadLetters();
    expect(letter).toMatchObject({ item: { key: 'poison', value: 2 } });
    expect(letter!.attempts).toBeGreaterThanOrEqual(3);
    expect(letter!.error).toContain('database refused poison');
    // The cache no longer claims a value the database never got.
    expect(await cache.get('poison')).toBeUndefined();
    expect((await wb.stats()).deadLettered).toBe(1);

    db.failing = undefined;
    expect(await wb.requeue(letter!.id)).toBe(true);
    await eventually(() => db.rows.get('poison')?.value === 2);
    expect(await wb.deadLetters()).toEqual([]);

    db.failing = (item) => item.key === 'poison';
    await wb.write('poison', 4);
    await eventually(async () => (await wb.deadLetters()).length === 1);
    const [again] = await wb.deadLetters();
    expect(await wb.drop(again!.id)).toBe(true);
    expect(await wb.requeue(again!.id)).toBe(false);
    expect((await wb.stats()).deadLetters).toBe(0);
  });

  it("rejects with E_WRITE_BEHIND_FULL when full in 'reject' mode, and leaves the cache alone", async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.close();
    const wb = queues.build(cache, db, { backpressure: 'reject', maxQueued: 2, partitions: 1 });
    await wb.write('a', 1);
    await wb.write('b', 2);
    const error = await wb.write('c', 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiercacheError);
    expect((error as TiercacheError).code).toBe(ErrorCode.WriteBehindFull);
    expect(await cache.get('c')).toBeUndefined();
    expect((await wb.stats()).rejected).toBe(1);
    db.open();
  });

  it("writes through to the database when full in 'write-through' mode", async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    const wb = queues.build(cache, db, { backpressure: 'write-through', maxQueued: 1, partitions: 1, flush: false });
    expect((await wb.write('a', 1)).via).toBe('queue');
    const receipt = await wb.write('b', 2);
    expect(receipt.via).toBe('write-through');
    expect(db.rows.get('b')?.value).toBe(2);
    expect(await cache.get('b')).toBe(2);
  });

  it("makes a write wait for room in 'wait' mode (the default)", async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.close();
    const wb = queues.build(cache, db, { maxQueued: 1, partitions: 1 });
    await wb.write('a', 1);
    let done = false;
    const waiting = wb.write('b', 2).then((receipt) => ((done = true), receipt));
    await eventually(() => db.calls.length === 1);
    expect(done).toBe(false);
    db.open();
    expect((await waiting).via).toBe('queue');
    await eventually(() => db.written === 2);
  });

  it("rejects a 'wait' write that found no room within maxWaitMs", async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.close();
    const wb = queues.build(cache, db, { maxQueued: 1, partitions: 1, maxWaitMs: 50 });
    await wb.write('a', 1);
    await eventually(() => db.calls.length === 1);
    await expect(wb.write('b', 2)).rejects.toMatchObject({ code: ErrorCode.WriteBehindFull });
    db.open();
  });

  it('flushes on close within its bound and leaves the rest in the stream for the next instance', async () => {
    const cache = caches.twoTier();
    const db = new FakeDatabase<number>();
    db.close();
    const name = `wb-close-${Date.now()}`;
    const wb = queues.build(cache, db, { name });
    for (let n = 0; n < 10; n++) await wb.write(`k${n}`, n);
    await wb.close(50);
    expect(db.written).toBe(0);

    const next = new FakeDatabase<number>();
    const successor = queues.build(cache, next, { name, claimIdleMs: 1 });
    expect((await successor.stats()).depth).toBe(10);
    // Once the first instance's lease runs out (it could not release it: its writer call still hangs).
    await eventually(() => next.written === 10);
    await successor.close(5_000);
    expect((await successor.stats()).depth).toBe(0);
    // Let the first instance's hung call end before the cache closes the connection it acknowledges on.
    db.open();
    await eventually(() => db.written > 0);
  });

  it('keeps the queue in memory without Redis, and says at startup that it is not durable', async () => {
    const cache = caches.l1Only();
    const db = new FakeDatabase<number>();
    const logger = recordingLogger();
    const wb = queues.build(cache, db, { logger });
    expect(wb.durable).toBe(false);
    expect(logger.lines.some((line) => line.startsWith('warn') && line.includes('NOT durable'))).toBe(true);
    await wb.write('a', 1);
    await eventually(() => db.rows.get('a')?.value === 1);
  });
});
