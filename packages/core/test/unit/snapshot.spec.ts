import { ErrorCode } from '../../src/errors.js';
import { snapshot } from '../../src/values/snapshot.js';

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
    for (const mode of ['copy', 'freeze', 'measure'] as const) {
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
