import { L1Lru, type Kept } from '../../src/read/l1-lru.js';

class Record implements Kept {
  keepUntil = 0;
  constructor(
    readonly value: string,
    readonly size = 1,
  ) {}
}

function lru(maxEntries: number, maxBytes: number, evicted: string[] = [], removed: string[] = []): L1Lru<Record> {
  return new L1Lru<Record>({
    maxEntries,
    maxBytes,
    sizeOf: (record) => record.size,
    onEvict: (key) => evicted.push(key),
    onRemove: (key, record) => removed.push(`${key}=${record.value}`),
  });
}

describe('L1Lru', () => {
  afterEach(() => jest.useRealTimers());

  it('evicts the least recently used record past maxEntries, and reports it', () => {
    const evicted: string[] = [];
    const tier = lru(2, 1_000, evicted);
    tier.set('a', new Record('1'), 10_000);
    tier.set('b', new Record('2'), 10_000);
    tier.get('a');
    tier.set('c', new Record('3'), 10_000);
    expect(['a', 'b', 'c'].map((key) => tier.get(key)?.value)).toEqual(['1', undefined, '3']);
    expect(evicted).toEqual(['b']);
  });

  it('stays within its byte budget', () => {
    const tier = lru(1_000, 100);
    for (let i = 0; i < 50; i++) tier.set(`k${i}`, new Record('x', 30), 10_000);
    expect(tier.bytes).toBeLessThanOrEqual(100);
    expect(tier.size).toBe(3);
  });

  it('refuses a record larger than the whole budget and drops the older record of that key', () => {
    const tier = lru(10, 100);
    tier.set('k', new Record('small', 5), 10_000);
    tier.set('k', new Record('big', 500), 10_000);
    expect(tier.get('k')).toBeUndefined();
  });

  it('forgets a record once its time has passed, and not before, reporting its removal', () => {
    jest.useFakeTimers();
    const removed: string[] = [];
    const tier = lru(10, 1_000, [], removed);
    tier.set('k', new Record('v'), 1_000);
    jest.advanceTimersByTime(999);
    expect(tier.get('k')?.value).toBe('v');
    jest.advanceTimersByTime(1);
    expect(tier.get('k')).toBeUndefined();
    expect(removed).toEqual(['k=v']);
  });

  it('finds a key built by concatenation, whichever form the lookup has', () => {
    const prefix = 'namespace|v1|';
    const tier = lru(10, 1_000);
    tier.set(prefix + 'agent:' + 42, new Record('v'), 10_000);
    expect(tier.get(`${prefix}agent:42`)?.value).toBe('v');
    tier.set('lone \ud800 surrogate', new Record('w'), 10_000);
    expect(tier.get('lone \ud800 surrogate')?.value).toBe('w');
  });

  it('deletes by glob pattern, treating escaped metacharacters literally, and counts', () => {
    const tier = lru(10, 1_000);
    for (const key of ['p:a*', 'p:ab', 'p:b', 'q:a']) tier.set(key, new Record(key), 10_000);
    expect(tier.deleteMatching('p:a\\*')).toBe(1);
    expect(tier.deleteMatching('p:*')).toBe(2);
    expect(tier.size).toBe(1);
    tier.delete(['q:a']);
    expect(tier.size).toBe(0);
  });
});
