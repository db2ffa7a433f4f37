import { MemoryQueue } from '../../src/write-behind/memory-queue.js';
import { backoffMs, partitionOf, SequenceClock } from '../../src/write-behind/queue.js';

describe('write-behind building blocks', () => {
  it('puts a key in the same partition every time, and spreads keys over all partitions', () => {
    const keys = Array.from({ length: 400 }, (_, i) => `agent:${i}`);
    expect(keys.map((key) => partitionOf(key, 4))).toEqual(keys.map((key) => partitionOf(key, 4)));
    expect(new Set(keys.map((key) => partitionOf(key, 4)))).toEqual(new Set([0, 1, 2, 3]));
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('hands out strictly increasing sequences, in microseconds of the clock', () => {
    const clock = new SequenceClock();
    const before = Date.now() * 1_000;
    const seqs = Array.from({ length: 10_000 }, () => clock.next());
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs[0]).toBeGreaterThanOrEqual(before);
    expect(Number.isSafeInteger(seqs.at(-1))).toBe(true);
  });

  it('bounds the backoff by the exponential step and the cap', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const delay = backoffMs(attempt, 100, 30_000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 100 * 2 ** (attempt - 1)));
    }
  });

  describe('MemoryQueue', () => {
    it('raises a sequence that is not above the key’s previous one, and refuses past the bound', async () => {
      const queue = new MemoryQueue(1);
      expect(await queue.enqueue(0, 'k', 100, '"a"', 2, 1)).toMatchObject({ seq: 100 });
      expect(await queue.enqueue(0, 'k', 50, '"b"', 2, 2)).toMatchObject({ seq: 101 });
      expect(await queue.enqueue(0, 'k', 500, '"c"', 2, 3)).toBe('full');
      expect(await queue.pending(0, 'k')).toEqual({ seq: 101, payload: '"b"' });
    });

    it('gives unacknowledged entries back first, and forgets a pending value only once its latest write is acknowledged', async () => {
      const queue = new MemoryQueue(1);
      await queue.enqueue(0, 'k', 1, '1', 10, 1);
      await queue.enqueue(0, 'k', 2, '2', 10, 2);
      const [first] = await queue.read(0, 1);
      await queue.enqueue(0, 'j', 3, '3', 10, 3);
      expect((await queue.read(0, 5)).map((item) => item.seq)).toEqual([1]);
      await queue.ack(0, [first!]);
      expect(await queue.pending(0, 'k')).toEqual({ seq: 2, payload: '2' });
      const rest = await queue.read(0, 5);
      expect(rest.map((item) => item.seq)).toEqual([2, 3]);
      await queue.ack(0, rest);
      expect(await queue.pending(0, 'k')).toBeUndefined();
      expect(await queue.depth()).toBe(0);
    });
  });
});
