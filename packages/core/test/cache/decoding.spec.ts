import { deflateRawSync } from 'node:zlib';
import type { TieredCache, TieredCacheOptions } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, redisUrl, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(async () => {
  await caches.closeAll();
  expect(Object.hasOwn(Object.prototype, 'isAdmin')).toBe(false);
  expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
});
afterAll(() => admin.quit());

const BUILT_IN = new Set<unknown>([Object.prototype, Array.prototype, Date.prototype, Map.prototype, Set.prototype]);

/** Paths of objects in `value` whose prototype, or an `isAdmin` they inherit, came from data. */
function shapedByData(value: unknown, path = 'value', found: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return found;
  if (!BUILT_IN.has(Object.getPrototypeOf(value))) found.push(`${path}: prototype`);
  if ('isAdmin' in value && !Object.hasOwn(value, 'isAdmin')) found.push(`${path}: inherited isAdmin`);
  if (value instanceof Map) for (const [k, v] of value) shapedByData(v, `${path}.get(${String(k)})`, found);
  else if (value instanceof Set) for (const item of value) shapedByData(item, `${path}<item>`, found);
  else if (!(value instanceof Date)) {
    for (const key of Object.keys(value)) shapedByData(Object.getOwnPropertyDescriptor(value, key)!.value, `${path}.${key}`, found);
  }
  return found;
}

const TAG = '\\u0000';
const POISON = '"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}';

/** Payloads a writer to Redis could craft, one per tagged type the serializer knows (and plain JSON). */
const POISONED: [string, string][] = [
  ['plain JSON', `j{${POISON},"list":[{${POISON}}]}`],
  ['Date', `t{${POISON},"at":{"${TAG}":"D","v":0}}`],
  ['Map', `t{${POISON},"m":{"${TAG}":"M","v":[["k",{${POISON}}]]}}`],
  ['Set', `t{"s":{"${TAG}":"S","v":[{${POISON}}]}}`],
  ['BigInt', `t{${POISON},"n":{"${TAG}":"B","v":"12"}}`],
  ['non-finite number', `t{${POISON},"n":{"${TAG}":"N","v":"-Infinity"}}`],
  ['escaped object', `t{"o":{"${TAG}":"O","v":[["__proto__",{"isAdmin":true}],["constructor",{"prototype":{"isAdmin":true}}],["at",{"${TAG}":"D","v":1}]]}}`],
];

/** Tagged payloads of the wrong form: each must read as a counted malformed miss. */
const MISSHAPEN: [string, string][] = [
  ['Date from a string', `t{"a":{"${TAG}":"D","v":"2020-01-01"}}`],
  ['Date with extra fields', `t{"a":{"${TAG}":"D","v":0,"__proto__":{"isAdmin":true}}}`],
  ['Map from an object', `t{"a":{"${TAG}":"M","v":{"__proto__":{"isAdmin":true}}}}`],
  ['Map with a one-element entry', `t{"a":{"${TAG}":"M","v":[["k"]]}}`],
  ['Set from a string', `t{"a":{"${TAG}":"S","v":"abc"}}`],
  ['BigInt from a number', `t{"a":{"${TAG}":"B","v":12}}`],
  ['BigInt from a non-integer', `t{"a":{"${TAG}":"B","v":"1e3"}}`],
  ['non-finite number that is finite', `t{"a":{"${TAG}":"N","v":"12"}}`],
  ['escaped object from an object', `t{"a":{"${TAG}":"O","v":{"__proto__":{"isAdmin":true}}}}`],
  ['escaped object with a non-string key', `t{"a":{"${TAG}":"O","v":[[1,2]]}}`],
  ['unknown tag', `t{"a":{"${TAG}":"X","v":1}}`],
];

const envelope = (payload: string) => `TC1[${Date.now()},${Date.now() + 60_000},"json",0,[],0]\n${payload}`;

const layouts: [string, Omit<TieredCacheOptions, 'namespace'>][] = [
  ['L1 + L2', { l2: { redis: redisUrl() } }],
  ['L1 + L2, fast mode', { l2: { redis: redisUrl() }, l1: { mutationSafe: false } }],
  ['L2 only', { l2: { redis: redisUrl() }, l1: false }],
];

/** A ready cache (a read before it connects is a plain miss) whose key `k` holds `raw`. */
async function holding(options: TieredCacheOptions, raw: string): Promise<TieredCache> {
  const cache = caches.build({ namespace: uniqueNamespace('craft'), ...options });
  await cache.ready();
  await admin.set(cache.keyFor('k'), raw, 'PX', 60_000);
  return cache;
}

/** Every read path: the L2 hit, the L1 copy made from it (twice: the copy is made per read), getOrSet. */
async function readAll(cache: TieredCache, key: string): Promise<unknown[]> {
  return [await cache.get(key), await cache.get(key), await cache.getOrSet(key, async () => 'loaded'), await cache.getMany([key])];
}

describe.each(layouts)('decoding what Redis holds (%s)', (_name, options) => {
  it.each(POISONED)('never lets a crafted %s entry give a value a prototype', async (_type, payload) => {
    const cache = await holding(options, envelope(payload));
    const reads = await readAll(cache, 'k');
    expect(reads[2]).not.toBe('loaded');
    for (const value of reads) expect(shapedByData(value)).toEqual([]);
    expect(cache.stats().malformed).toBe(0);
  });

  it.each(MISSHAPEN)('reads a crafted %s as a counted malformed miss', async (_type, payload) => {
    const cache = await holding(options, envelope(payload));
    expect(await cache.getOrSet('k', async () => ({ right: true }))).toEqual({ right: true });
    expect(cache.stats().malformed).toBe(1);
  });
});

describe.each([...layouts, ['L1 only', { l2: false }] as (typeof layouts)[number]])('values carrying own __proto__ and constructor keys (%s)', (_name, options) => {
  /** What JSON.parse of a request body gives, with a Date added (the copy-on-read path). */
  const body = () => {
    const parsed = JSON.parse(`{${POISON},"nested":[{${POISON}}]}`) as Record<string, unknown>;
    parsed.at = new Date(0);
    return parsed;
  };

  it.each(['set', 'getOrSet'] as const)('keeps them as plain own data on every tier (%s)', async (write) => {
    const namespace = uniqueNamespace('own');
    const [writer, reader] = [caches.build({ ...options, namespace }), caches.build({ ...options, namespace })];
    await Promise.all([writer.ready(), reader.ready()]);
    const first = write === 'set' ? (await writer.set('k', body()), await writer.get('k')) : await writer.getOrSet('k', async () => body());
    const reads = [first, await writer.get('k'), ...(options.l2 === false ? [] : await readAll(reader, 'k'))];
    for (const value of reads) {
      expect(shapedByData(value)).toEqual([]);
      const own = value instanceof Map ? value.get('k') : value;
      expect(Object.getOwnPropertyDescriptor(own, '__proto__')?.value).toEqual({ isAdmin: true });
    }
  });
});

describe('the decompression cap', () => {
  const MiB = 1024 * 1024;
  /** An entry of a few KiB whose payload inflates to a string of `bytes` characters. */
  const bomb = (bytes: number) => `TC1[0,${Date.now() + 60_000},"json",1,[],0]\n${deflateRawSync(`j"${'a'.repeat(bytes)}"`).toString('base64')}`;

  async function readCrafted(l2: TieredCacheOptions['l2'], raw: string): Promise<{ value: unknown; reasons: string[]; cache: TieredCache }> {
    const cache = await holding({ l2 }, raw);
    const reasons: string[] = [];
    cache.events.on('malformed', ({ reason }) => reasons.push(reason));
    return { value: await cache.getOrSet('k', async () => 'right'), reasons, cache };
  }

  it('reads an entry that inflates past l2.maxDecompressedBytes as a counted malformed miss', async () => {
    const raw = bomb(4 * MiB);
    expect(raw.length).toBeLessThan(10_000);
    const { value, reasons, cache } = await readCrafted({ redis: redisUrl(), maxDecompressedBytes: MiB }, raw);
    expect(value).toBe('right');
    expect(reasons).toEqual([expect.stringContaining('maxDecompressedBytes')]);
    expect(cache.stats().malformed).toBe(1);
  });

  it('caps by default at 32 MiB, whatever compressAbove says', async () => {
    const { value, reasons } = await readCrafted({ redis: redisUrl() }, bomb(33 * MiB));
    expect(value).toBe('right');
    expect(reasons).toEqual([expect.stringContaining('maxDecompressedBytes')]);
  });

  it('reads compressed entries below the cap', async () => {
    const namespace = uniqueNamespace('inflate');
    const l2 = { redis: redisUrl(), compressAbove: 1_000, maxDecompressedBytes: MiB };
    const [writer, reader] = [caches.twoTier({ namespace, l2 }), caches.twoTier({ namespace, l2 })];
    await Promise.all([writer.ready(), reader.ready()]);
    await writer.set('k', 'b'.repeat(MiB / 2));
    expect(await reader.get('k')).toBe('b'.repeat(MiB / 2));
  });
});
