import { MemoryTier } from '../../src/tiers/memory-tier.js';
import { describeTierConformance } from './tier-conformance.js';

describeTierConformance(
  'MemoryTier',
  async () => {
    jest.useFakeTimers();
    return {
      tier: new MemoryTier<{ n: number }>({ maxEntries: 100, maxBytes: 1_000_000, sizeOf: () => 10 }),
      value: (n) => ({ n }),
      prefix: 'mem:',
      advance: async (ms) => void jest.advanceTimersByTime(ms),
    };
  },
  async () => void jest.useRealTimers(),
);

describe('MemoryTier bounds', () => {
  it('evicts the least recently used entry past maxEntries, and reports it', () => {
    const evicted: string[] = [];
    const tier = new MemoryTier<number>({ maxEntries: 2, maxBytes: 1_000, sizeOf: () => 1, onEvict: (k) => evicted.push(k) });
    tier.set('a', 1, 10_000);
    tier.set('b', 2, 10_000);
    tier.get('a');
    tier.set('c', 3, 10_000);
    expect(tier.getMany(['a', 'b', 'c'])).toEqual([1, undefined, 3]);
    expect(evicted).toEqual(['b']);
  });

  it('stays within its byte budget', () => {
    const tier = new MemoryTier<string>({ maxEntries: 1_000, maxBytes: 100, sizeOf: (v) => v.length });
    for (let i = 0; i < 50; i++) tier.set(`k${i}`, 'x'.repeat(30), 10_000);
    expect(tier.bytes).toBeLessThanOrEqual(100);
    expect(tier.size).toBe(3);
  });

  it('refuses an item larger than the whole budget and drops the older value of that key', () => {
    const tier = new MemoryTier<string>({ maxEntries: 10, maxBytes: 100, sizeOf: (v) => v.length });
    tier.set('k', 'small', 10_000);
    tier.set('k', 'x'.repeat(500), 10_000);
    expect(tier.get('k')).toBeUndefined();
  });
});
