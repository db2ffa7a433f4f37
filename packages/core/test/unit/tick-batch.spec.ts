import { TickBatch } from '../../src/tiers/tick-batch.js';

describe('TickBatch', () => {
  it('sends the calls of one tick together, in order, and answers each with its own result', async () => {
    const sent: string[][] = [];
    const batch = new TickBatch<string, string>(async (items) => (sent.push([...items]), items.map((item) => item.toUpperCase())), () => 100);
    const first = Promise.all([batch.add('a'), batch.add('b'), batch.add('c')]);
    await Promise.resolve();
    const second = batch.add('d');
    expect(await first).toEqual(['A', 'B', 'C']);
    expect(await second).toBe('D');
    // 'd' was added after a microtask, still within the tick: it went with the others.
    expect(sent).toEqual([['a', 'b', 'c', 'd']]);
    expect(await batch.add('e')).toBe('E');
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['e']]);
  });

  it('starts a new command once a batch is full, as the limit says at that moment', async () => {
    const sent: number[][] = [];
    let limit = 2;
    const batch = new TickBatch<number, number>(async (items) => (sent.push([...items]), items.map((n) => n * 10)), () => limit);
    const answers = [batch.add(1), batch.add(2), batch.add(3)];
    limit = 3;
    answers.push(batch.add(4), batch.add(5), batch.add(6));
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(sent).toEqual([[1, 2], [3, 4, 5], [6]]);
  });

  it('fails every call of a batch that fails, and only those', async () => {
    const batch = new TickBatch<string, string>(async (items) => {
      if (items.includes('bad')) throw new Error('refused');
      return items.map(String);
    }, () => 10);
    const failed = [batch.add('x'), batch.add('bad')];
    await expect(Promise.all(failed.map((p) => p.then(() => 'ok', (error: Error) => error.message)))).resolves.toEqual(['refused', 'refused']);
    expect(await batch.add('y')).toBe('y');
  });

  it('fails the batch when sending throws instead of rejecting', async () => {
    const batch = new TickBatch<string, void>(() => {
      throw new Error('thrown');
    }, () => 10);
    await expect(batch.add('x')).rejects.toThrow('thrown');
  });
});
