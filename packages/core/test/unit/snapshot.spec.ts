import { ErrorCode } from '../../src/errors.js';
import { freezeDecoded, plainJsonBytes, snapshot } from '../../src/values/snapshot.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  sum(): number {
    return this.x + this.y;
  }
}

describe('snapshot', () => {
  it('copies and deep-freezes, leaving the original mutable', () => {
    const original = { list: [{ n: 1 }], name: 'a' };
    const { value } = snapshot(original, 'copy') as { value: typeof original };
    expect(value).toEqual(original);
    expect(Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.list[0])).toBe(true);
    original.list[0]!.n = 2;
    expect(value.list[0]!.n).toBe(1);
  });

  it('keeps prototypes, so class instances keep their methods', () => {
    const { value } = snapshot(new Point(1, 2), 'copy');
    expect(value).toBeInstanceOf(Point);
    expect((value as Point).sum()).toBe(3);
  });

  it('copies an own __proto__ key as a field, never as the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"isAdmin":true},"at":null}') as Record<string, unknown>;
    const { value } = snapshot(parsed, 'copy') as { value: { isAdmin?: boolean } };
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ isAdmin: true });
  });

  it('flags values freezing cannot protect', () => {
    expect(snapshot({ a: 1 }, 'copy').cloneOnRead).toBe(false);
    expect(snapshot({ at: new Date() }, 'copy').cloneOnRead).toBe(true);
    expect(snapshot([new Map()], 'copy').cloneOnRead).toBe(true);
  });

  it('measures bigger values as bigger', () => {
    expect(snapshot('x'.repeat(1_000), 'measure').size).toBeGreaterThan(snapshot('x', 'measure').size);
  });

  it('rejects functions and cycles in every mode, naming where', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.inner = { back: cyclic };
    for (const mode of ['copy', 'measure'] as const) {
      expect(() => snapshot({ a: { f: () => 1 } }, mode)).toThrow(/ at a\.f cannot/);
      expect(() => snapshot({ list: [1, { m: new Map([['k', Symbol('s')]]) }] }, mode)).toThrow(/ at list\[1\]\.m\.get\(k\) cannot/);
      expect(() => snapshot([new Set([() => 1])], mode)).toThrow(/ at \[0\]<item> cannot/);
      expect(() => snapshot(() => 1, mode)).toThrow(/ at the top level cannot/);
      expect(() => snapshot(cyclic, mode)).toThrow(/a cycle at inner\.back cannot/);
      expect(() => snapshot(cyclic, mode)).toThrow(expect.objectContaining({ code: ErrorCode.Serialization }));
    }
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { n: 1 };
    expect(() => snapshot({ a: shared, b: shared }, 'copy')).not.toThrow();
  });
});

describe('freezeDecoded', () => {
  it('freezes a decoded value in place, all the way down, and measures it as snapshot does', () => {
    const value = JSON.parse('{"a":{"b":[1,{"c":2}]},"d":"x"}') as { a: { b: [number, { c: number }] } };
    expect(freezeDecoded(value)).toEqual({ value, size: snapshot(value, 'measure').size, cloneOnRead: false });
    expect([value, value.a, value.a.b, value.a.b[1]].map((part) => Object.isFrozen(part))).toEqual([true, true, true, true]);
  });

  it('says reads need copies when it holds what freezing cannot protect', () => {
    expect(freezeDecoded({ list: [{ at: new Date(0) }] }).cloneOnRead).toBe(true);
    expect(freezeDecoded([new Map()]).cloneOnRead).toBe(true);
    expect(freezeDecoded({ s: new Set([1]) }).cloneOnRead).toBe(true);
    expect(freezeDecoded({ bytes: new Uint8Array(2) }).cloneOnRead).toBe(true);
    const mixed = { at: new Date(0), tags: new Set(['a']), n: 1.5, list: [{ s: 'x' }] };
    expect(freezeDecoded(mixed).size).toBe(snapshot(mixed, 'measure').size);
  });

  it('ends on cycles and shared parts, and leaves inherited fields alone', () => {
    const cyclic: Record<string, unknown> = { n: [1] };
    cyclic.self = cyclic;
    cyclic.again = cyclic.n;
    expect(freezeDecoded(cyclic).cloneOnRead).toBe(false);
    expect(Object.isFrozen(cyclic.n)).toBe(true);
    const shared = { mutable: [1] };
    const child = Object.create(shared) as { own: number[] };
    child.own = [2];
    freezeDecoded(child);
    expect([Object.isFrozen(child.own), Object.isFrozen(shared), Object.isFrozen(shared.mutable)]).toEqual([true, false, false]);
  });
});

describe('plainJsonBytes', () => {
  it('measures plain JSON as snapshot does, shared frozen parts included, and freezes nothing', () => {
    const constant = Object.freeze({ code: 'x', list: Object.freeze([1.5, 2]) });
    const value = { a: constant, b: [constant, null, true, undefined], n: 2 ** 40, s: 'text', bare: Object.create(null) as object };
    expect(plainJsonBytes(value)).toBe(snapshot(value, 'measure').size);
    expect([Object.isFrozen(value), Object.isFrozen(value.b)]).toEqual([false, false]);
  });

  it.each([
    ['a Date', { at: new Date(0) }],
    ['a Map', [new Map()]],
    ['NaN', { n: NaN }],
    ['a BigInt', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a class instance', { c: new (class Point {})() }],
    ['an object with toJSON', { t: { toJSON: () => 'x' } }],
    ['nesting past 32 levels', JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown],
  ])('is -1 for a value holding %s, which plain JSON does not round-trip', (_what, value) => {
    expect(plainJsonBytes(value)).toBe(-1);
  });
});

describe('the walks for decoded and serialized values', () => {
  it('count a dictionary’s keys as snapshot does', () => {
    const dictionary = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key-${i}`, i]));
    const value = { dictionary, small: { a: 1 } };
    expect(plainJsonBytes(value)).toBe(snapshot(value, 'measure').size);
    expect(freezeDecoded(structuredClone(value)).size).toBe(snapshot(value, 'measure').size);
  });
});
