import { jsonSerializer, type Serializer, type TieredCache, type TieredCacheOptions } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, redisUrl, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

class Agent {
  constructor(
    readonly id: number,
    readonly name: string,
    readonly joined: Date,
    readonly nickname?: string,
  ) {}
  greet(): string {
    return `hi ${this.name}`;
  }
}

const agent = () => ({ agent: new Agent(42, 'ada', new Date(0)), skills: new Set(['sql']), note: undefined });

/** The class and frozenness of every object in a value, in walk order: "same shape" is the same list. */
function prototypes(value: unknown, out: unknown[] = []): unknown[] {
  if (value === null || typeof value !== 'object') return out;
  out.push((Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor, Object.isFrozen(value));
  if (value instanceof Set || value instanceof Map) for (const item of value.values()) prototypes(item, out);
  else if (!(value instanceof Date)) for (const field of Object.values(value)) prototypes(field, out);
  return out;
}

function expectSameShape(values: readonly unknown[]): void {
  for (const value of values.slice(1)) {
    expect(value).toStrictEqual(values[0]);
    expect(prototypes(value)).toEqual(prototypes(values[0]));
  }
}

/** miss, L1 hit on the same instance, first read on a second instance (an L2 hit when there is L2). */
async function threeReads(make: (namespace: string) => TieredCache, write: 'getOrSet' | 'set'): Promise<unknown[]> {
  const namespace = uniqueNamespace('shape');
  const [first, second] = [make(namespace), make(namespace)];
  await Promise.all([first.ready(), second.ready()]);
  let miss: unknown;
  if (write === 'getOrSet') miss = await first.getOrSet('k', async () => agent());
  else {
    await first.set('k', agent());
    miss = await first.get('k');
  }
  const l1Hit = await first.getOrSet('k', async () => 'never');
  if (write === 'getOrSet') {
    // A load's caller does not wait for its L2 write: a third instance looks until it has landed.
    const probe = make(namespace);
    await eventually(async () => (await probe.get('k')) !== undefined);
  }
  const l2Hit = await second.get('k');
  return [miss, l1Hit, l2Hit];
}

describe('one value shape from every tier', () => {
  const layouts: [string, TieredCacheOptions][] = [
    ['L1 + L2, mutation-safe', { l2: { redis: redisUrl() } }],
    ['L1 + L2, fast mode', { l2: { redis: redisUrl() }, l1: { mutationSafe: false } }],
    ['L2 only', { l2: { redis: redisUrl() }, l1: false }],
  ];

  describe.each(layouts)('%s', (_name, options) => {
    it.each(['getOrSet', 'set'] as const)('gives the same plain data on a miss, an L1 hit and an L2 hit (%s)', async (write) => {
      const reads = await threeReads((namespace) => caches.build({ ...options, namespace }), write);
      expectSameShape(reads);
      // What JSON holds: the class is gone, the Date and the Set come back, an undefined field is dropped.
      expect(reads[0]).toStrictEqual({ agent: { id: 42, name: 'ada', joined: new Date(0) }, skills: new Set(['sql']) });
    });
  });

  it('gives an L1-only cache the same shape as one with Redis', async () => {
    const local = caches.l1Only();
    const miss = await local.getOrSet('k', async () => agent());
    const hit = await local.get('k');
    const [, , fromRedis] = await threeReads((namespace) => caches.twoTier({ namespace }), 'getOrSet');
    expectSameShape([fromRedis, miss, hit]);
  });

  it('keeps class instances on every tier with a serializer that revives them', async () => {
    const reviving: Serializer = {
      id: 'agents',
      serialize: (value) => jsonSerializer.serialize(value instanceof Agent ? { ...value, joined: value.joined.getTime() } : value),
      deserialize(text) {
        const data = jsonSerializer.deserialize(text) as { id: number; name: string; joined: number };
        return new Agent(data.id, data.name, new Date(data.joined));
      },
    };
    const namespace = uniqueNamespace('revive');
    const [first, second] = [caches.twoTier({ namespace, serializer: reviving }), caches.twoTier({ namespace, serializer: reviving })];
    await Promise.all([first.ready(), second.ready()]);
    const reads = [
      await first.getOrSet('k', async () => new Agent(1, 'bo', new Date(5), undefined)),
      await first.get('k'),
      await second.get('k'),
    ];
    expectSameShape(reads);
    for (const value of reads) expect((value as Agent).greet()).toBe('hi bo');
  });
});

describe('a value read from L2 and not kept in L1', () => {
  it.each([
    ['get', (cache: TieredCache) => cache.get('k')],
    ['getMany', async (cache: TieredCache) => (await cache.getMany(['k'])).get('k')],
    ['getOrSet', (cache: TieredCache) => cache.getOrSet('k', async () => 'loaded')],
  ])('is frozen like a kept one in mutation-safe mode (%s, the key deleted while it read)', async (_name, read) => {
    const namespace = uniqueNamespace('unkept');
    const [writer, reader] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
    await Promise.all([writer.ready(), reader.ready()]);
    await writer.set('k', { nested: { n: 1 } });
    // The read's GET leaves before the delete's tombstone: it finds the value, which the delete keeps out of L1.
    // (A getOrSet sends its read a microtask after the call, once the tick's other callers have joined.)
    const reading = read(reader);
    const deleting = Promise.resolve().then(() => reader.delete('k'));
    const value = (await reading) as { nested: { n: number } };
    await deleting;
    expect(value).toEqual({ nested: { n: 1 } });
    expect([Object.isFrozen(value), Object.isFrozen(value.nested)]).toEqual([true, true]);
    expect(reader.stats().hitsL2).toBe(1);
  });
});
