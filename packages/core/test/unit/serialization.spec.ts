import { ErrorCode } from '../../src/errors.js';
import { EntryCodec, STAMP_WIDTH } from '../../src/serialization/entry-codec.js';
import { HeaderScan } from '../../src/serialization/entry-header.js';
import { jsonSerializer } from '../../src/serialization/serializer.js';

const roundTrip = (value: unknown) => jsonSerializer.deserialize(jsonSerializer.serialize(value));

/** `leaf` under `levels` alternating objects and arrays. */
function deep(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { next: value } : [value];
  return value;
}

describe('jsonSerializer', () => {
  it.each([
    ['plain object', { a: 1, b: 'two', c: [true, null, { d: 0 }] }],
    ['array', [1, '', false, 0]],
    ['Date', new Date('2026-01-02T03:04:05.678Z')],
    ['nested Dates', { at: new Date(0), list: [new Date(1)] }],
    ['Map and Set', { m: new Map<unknown, unknown>([['k', new Date(5)], [1, 2]]), s: new Set([1, 'x']) }],
    ['BigInt', { big: 12345678901234567890n }],
    ['non-finite numbers', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
    ['falsy values', [0, '', false, null]],
    ['undefined', undefined],
    ['null', null],
    ['object that uses the tag key itself', { '\u0000': 'D', v: 1 }],
    ['tag key deep inside plain data', { list: [{ ok: 1 }, { '\u0000': 'M', v: [] }] }],
    ['Map in an object without a prototype', Object.assign(Object.create(null) as object, { m: new Map([[1, 2]]) })],
    ['BigInt deep in an array', [[1, [2, [3n]]]]],
    ['NaN in plain data', { a: { b: [1, Number.NaN] } }],
    ['Date below 100 levels of plain nesting', deep(100, new Date(7))],
  ])('round-trips %s', (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('produces plain JSON when nothing needs tagging', () => {
    expect(jsonSerializer.serialize({ a: [1, 2] })).toBe('j{"a":[1,2]}');
  });

  it('writes what toJSON returns, at any depth', () => {
    const money = { toJSON: () => '12.50 EUR' };
    expect(roundTrip({ price: money, list: [money] })).toEqual({ price: '12.50 EUR', list: ['12.50 EUR'] });
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a symbol in an array', [1, Symbol('x')]],
    ['a function below 100 levels of nesting', deep(100, () => 1)],
  ])('rejects %s with E_SERIALIZATION', (_name, value) => {
    expect(() => jsonSerializer.serialize(value)).toThrow(expect.objectContaining({ code: ErrorCode.Serialization }));
  });

  it('rejects a cycle with E_SERIALIZATION', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => jsonSerializer.serialize(cyclic)).toThrow(expect.objectContaining({ code: ErrorCode.Serialization }));
  });
});

describe('EntryCodec', () => {
  const codec = new EntryCodec({ serializer: jsonSerializer, compressAbove: 1_000, maxDecompressedBytes: 1_000_000 });
  const entry = { value: { name: "x", at: new Date(7) }, createdAt: 1, expiresAt: 2, tags: ["a", "b"], loadMs: 12.5 };

  it('round-trips an entry with its metadata', () => {
    expect(codec.decode(codec.encode(entry))).toEqual(entry);
  });

  it('writes the header as the JSON it reads, whatever the serializer id, tags and times', () => {
    const quirky = new EntryCodec({ serializer: { ...jsonSerializer, id: 'odd "id" \\ é' }, compressAbove: false, maxDecompressedBytes: 1_000 });
    const tagged = { value: 1, createdAt: 1_700_000_000_000.25, expiresAt: 1_700_000_060_000.5, tags: ['a"b', 'ü\n'], loadMs: 3 };
    const encoded = quirky.encode(tagged);
    expect(JSON.parse(encoded.slice(3, encoded.indexOf('\n', 3)))).toEqual([tagged.createdAt, tagged.expiresAt, 'odd "id" \\ é', 0, tagged.tags, 3]);
    expect(quirky.decode(encoded)).toEqual(tagged);
    const untagged = { value: 1, createdAt: 1, expiresAt: 2, loadMs: 0 };
    expect(quirky.decode(quirky.encode(untagged))).toEqual(untagged);
  });

  it('writes createdAt at one width, for Redis to restamp in place, and reads any time back', () => {
    for (const createdAt of [0, 1_700_000_000_000.125, 9_999_999_999_999.998, -1, 1e300]) {
      const encoded = codec.encode({ value: 1, createdAt, expiresAt: 2, loadMs: 0 });
      const field = encoded.slice(4, encoded.indexOf(','));
      expect(field.length).toBe(Math.max(STAMP_WIDTH, String(createdAt).length));
      expect(codec.decode(encoded)).toEqual({ value: 1, createdAt, expiresAt: 2, loadMs: 0 });
    }
  });

  it('reads back every time exactly as JSON.parse does, on the header scan and off it', () => {
    // Shortest round-trip texts of random doubles: up to 17 significant digits, some too long for the scan.
    const times = Array.from({ length: 2_000 }, (_, i) => [Math.random() * 2e12, Math.round(Math.random() * 2e15) / 1000, Math.random() * 100, i][i % 4]!);
    for (const createdAt of times) {
      const loadMs = times[(createdAt * 7) % times.length | 0]!;
      const untagged = { value: 1, createdAt, expiresAt: Math.floor(createdAt) + 60_000, loadMs };
      expect(codec.decode(codec.encode(untagged))).toEqual(untagged);
    }
  });

  it('reads the headers encode writes without JSON.parse, long stamps and load times included', () => {
    const scan = new HeaderScan();
    for (const [createdAt, loadMs] of [[1_796_417_004_220.7239, 0.00901299999998173], [1, 0], [1_700_000_000_000, 12.5]] as const) {
      const encoded = codec.encode({ value: 1, createdAt, expiresAt: 2, loadMs });
      expect(scan.read(encoded, 3, encoded.indexOf('\n'), '"json"')).toBe(true);
      expect(scan).toMatchObject({ createdAt, expiresAt: 2, compressed: 0, tags: undefined, loadMs });
    }
    const tagged = codec.encode({ value: 1, createdAt: 1, expiresAt: 2, tags: ['a'], loadMs: 0 });
    expect(scan.read(tagged, 3, tagged.indexOf('\n'), '"json"')).toBe(false); // JSON.parse reads tags
  });

  it.each([
    ['an exponent', 'TC1[1e3,2,"json",0,[],0]\nj1', { createdAt: 1000, expiresAt: 2, loadMs: 0 }],
    ['a negative time', 'TC1[-1,2,"json",0,[],0.5]\nj1', { createdAt: -1, expiresAt: 2, loadMs: 0.5 }],
    ['whitespace between fields', 'TC1[ 1 , 2 ,"json", 0 , [ ] , 3 ]\nj1', { createdAt: 1, expiresAt: 2, loadMs: 3 }],
    ['an escaped serializer id', 'TC1[1,2,"\\u006Ason",0,[],0]\nj1', { createdAt: 1, expiresAt: 2, loadMs: 0 }],
    ['more digits than a double holds', 'TC1[1.00000000000000000000001,2,"json",0,[],0]\nj1', { createdAt: 1, expiresAt: 2, loadMs: 0 }],
  ])('reads a header written other than as encode writes it, as JSON: %s', (_name, raw, times) => {
    expect(codec.decode(raw)).toEqual({ value: 1, ...times });
  });

  it.each([
    ['a leading zero', 'TC1[01,2,"json",0,[],0]\nj1'],
    ['a dot without digits after it', 'TC1[1.,2,"json",0,[],0]\nj1'],
    ['a dot without digits before it', 'TC1[1,.5,"json",0,[],0]\nj1'],
    ['a hexadecimal time', 'TC1[1,2,"json",0,[],0x10]\nj1'],
    ['an empty field', 'TC1[1,2,"json",0,[],]\nj1'],
    ['text after the header', 'TC1[1,2,"json",0,[],0]x\nj1'],
  ])('rejects a header JSON rejects, on the scan as off it: %s', (_name, raw) => {
    expect(typeof codec.decode(raw)).toBe('string');
  });

  it('compresses large payloads and still round-trips them', () => {
    const big = { value: "y".repeat(50_000), createdAt: 1, expiresAt: 2, loadMs: 0 };
    const encoded = codec.encode(big);
    expect(encoded.length).toBeLessThan(5_000);
    expect(codec.decode(encoded)).toEqual(big);
  });

  it.each([
    ['foreign text', 'hello'],
    ['JSON from another library', '{"value":1}'],
    ['old format marker', 'TC0[1,2,"json",0,[],0]\nj1'],
    ['truncated header', 'TC1[1,2,"json"'],
    ['bad header shape', 'TC1{"a":1}\nj1'],
    ['string timestamps', 'TC1["1",2,"json",0,[],0]\nj1'],
    ['another serializer', 'TC1[1,2,"msgpack",0,[],0]\nj1'],
    ['bad compression flag', 'TC1[1,2,"json",7,[],0]\nj1'],
    ['corrupt payload', 'TC1[1,2,"json",0,[],0]\nj{"a":'],
    ['corrupt compressed payload', 'TC1[1,2,"json",1,[],0]\n!!!notbase64'],
    ['unknown payload kind', 'TC1[1,2,"json",0,[],0]\nx1'],
    ['bad tags', 'TC1[1,2,"json",0,[1],0]\nj1'],
    ['five-field header of an earlier draft', 'TC1[1,2,"json",0,[]]\nj1'],
  ])('rejects %s with a reason instead of a value', (_name, raw) => {
    expect(typeof codec.decode(raw)).toBe('string');
  });
});
