import fc from 'fast-check';
import { buildKey, buildPattern, limitKeyLength } from '../../src/keys/key-builder.js';
import { globToRegExp } from '../../src/tiers/glob.js';
import { ErrorCode } from '../../src/errors.js';

describe('buildKey', () => {
  it('keeps parts that contain the separator apart', () => {
    expect(buildKey(['a:b', 'c'])).not.toBe(buildKey(['a', 'b:c']));
  });

  it('ignores the order of object keys', () => {
    expect(buildKey(['q', { a: 1, b: [2, { c: 3, d: 4 }] }])).toBe(buildKey(['q', { b: [2, { d: 4, c: 3 }] , a: 1 }]));
  });

  it('tells a number from its string, and keeps plain strings readable', () => {
    expect(buildKey(['agent', 42])).not.toBe(buildKey(['agent', '42']));
    expect(buildKey(['agent', 'alice'])).toBe('agent:alice');
  });

  it('uses a string key as given', () => {
    expect(buildKey('users:1')).toBe('users:1');
  });

  it('rejects empty keys and unusable parts with a typed error', () => {
    for (const bad of ['', [], [() => 1], [Symbol('s')]] as unknown[]) {
      expect(() => buildKey(bad as string)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => buildKey([cyclic])).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });

  it('is injective over arbitrary part lists (property)', () => {
    const part = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom(':', '%', '~', 'a', '3', '"', '\\') }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.jsonValue(),
      fc.date(),
    );
    const parts = fc.array(part, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        // Equal inputs give equal keys; different inputs different keys (object key order aside).
        const same = JSON.stringify(canonicalForm(a)) === JSON.stringify(canonicalForm(b));
        return (buildKey(a) === buildKey(b)) === same;
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('buildPattern', () => {
  // String parts are globs, so the generated ones leave out glob syntax; every other part is literal.
  const part = fc.oneof(
    fc.string({ unit: fc.constantFrom(':', '%', '~', '|', 'a', '3', '"') }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue().filter((value) => typeof value !== 'string'),
    fc.date(),
  );
  const parts = fc.array(part, { minLength: 1, maxLength: 4 });
  const matches = (pattern: readonly unknown[], key: readonly unknown[]) => globToRegExp(buildPattern(pattern as never)).test(buildKey(key as never));

  it('matches a key with its own parts, and with any one part replaced by * (property)', () => {
    fc.assert(
      fc.property(parts, fc.nat(), (key, at) => matches(key, key) && matches(key.map((p, i) => (i === at % key.length ? '*' : p)), key)),
      { numRuns: 1_000 },
    );
  });

  it('never matches a key whose parts differ (property)', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => matches(a, b) === (buildKey(a as never) === buildKey(b as never))),
      { numRuns: 1_000 },
    );
  });
});

/** A reference canonical form to compare inputs by value, independent of object key order. */
function canonicalForm(value: unknown): unknown {
  if (value instanceof Date) return { date: Number.isNaN(value.getTime()) ? 'NaN' : value.toISOString() };
  if (typeof value === 'number') return { number: Object.is(value, -0) ? '0' : String(value) };
  if (value === undefined) return { undefined: true };
  if (typeof value === 'string') return { string: value };
  if (Array.isArray(value)) return value.map(canonicalForm);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonicalForm((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('limitKeyLength', () => {
  it('keeps short keys and replaces the tail of long keys with a stable digest', () => {
    expect(limitKeyLength('ns:', 'short', 64)).toBe('ns:short');
    const long = 'x'.repeat(500);
    const limited = limitKeyLength('ns:', long, 64);
    expect(limited.startsWith('ns:#')).toBe(true);
    expect(limited.length).toBeLessThanOrEqual(64);
    expect(limitKeyLength('ns:', long, 64)).toBe(limited);
    expect(limitKeyLength('ns:', `${long}y`, 64)).not.toBe(limited);
  });
});
