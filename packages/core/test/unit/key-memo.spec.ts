import { KeyMemo } from '../../src/keys/key-memo.js';

describe('KeyMemo', () => {
  it('builds each string key once and returns the same string after', () => {
    let builds = 0;
    const memo = new KeyMemo((key) => (builds++, `p:${key}`));
    expect(memo.get('a')).toBe('p:a');
    expect(memo.get('a')).toBe('p:a');
    expect(builds).toBe(1);
  });

  it('never holds more than its capacity, and still answers every key right', () => {
    const memo = new KeyMemo((key) => `p:${key}`, 8);
    for (let i = 0; i < 100; i++) {
      expect(memo.get(`k${i}`)).toBe(`p:k${i}`);
      expect(memo.size).toBeLessThanOrEqual(8);
    }
  });

  it('does not remember a key whose build threw', () => {
    const memo = new KeyMemo((key) => {
      if (key === '') throw new Error('empty');
      return key;
    });
    expect(() => memo.get('')).toThrow('empty');
    expect(() => memo.get('')).toThrow('empty');
    expect(memo.size).toBe(0);
  });
});
