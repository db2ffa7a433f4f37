import { TieredCache } from '../../src/index.js';
import { l1EntryBytes, objectBytes, stringBytes } from '../../src/read/l1-size.js';
import { snapshot } from '../../src/values/snapshot.js';

describe('L1 size model', () => {
  it('counts a string at a byte per character plus its header', () => {
    expect(stringBytes('x'.repeat(1_000))).toBe(1_016);
    expect(snapshot('x'.repeat(1_000), 'measure').size).toBe(1_016);
  });

  it('counts the fields of a shaped object, not their names, which its hidden class shares', () => {
    expect(snapshot({ aVeryLongFieldName: 1, another: true }, 'measure').size).toBe(objectBytes(2));
  });

  it('counts a boxed number, not a small integer', () => {
    expect(snapshot({ n: 1 }, 'measure').size).toBe(objectBytes(1));
    expect(snapshot({ n: 1.5 }, 'measure').size).toBeGreaterThan(objectBytes(1));
  });

  it('is what L1 counts: key, value and its own bookkeeping', async () => {
    const cache = new TieredCache({ namespace: 'size', l1: { mutationSafe: true } });
    try {
      const value = { name: 'agent', scores: [1, 2, 3] };
      await cache.set('k', value);
      expect(cache.status().l1?.bytes).toBe(l1EntryBytes(cache.keyFor('k'), snapshot(value, 'measure').size));
    } finally {
      await cache.close();
    }
  });
});
