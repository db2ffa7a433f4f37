import { ErrorCode, type TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { remoteApplied, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

/** Which of `keys` still read their value. */
async function left(cache: TieredCache, keys: readonly (string | readonly unknown[])[]): Promise<unknown[]> {
  const found = [];
  for (const key of keys) if ((await cache.get(key as string)) !== undefined) found.push(key);
  return found;
}

describe.each([
  ['L1 + L2', () => caches.twoTier()],
  ['L1 only', () => caches.l1Only()],
  ['L2 only', () => caches.l2Only()],
])('deleteByPattern with keys built from parts (%s)', (_name, make) => {
  let cache: TieredCache;
  beforeEach(async () => {
    cache = make();
    await cache.ready();
  });

  it('takes a pattern given as parts, encoded as keys are', async () => {
    const keys = [['tasks', 'agent', 42, 1], ['tasks', 'agent', 42, 2], ['tasks', 'agent', 7, 1], ['tasks', 'agent', '42', 1]];
    await cache.setMany(keys.map((key) => ({ key, value: 'v' })));
    expect(await cache.deleteByPattern(['tasks', 'agent', 42, '*'])).toBe(2);
    expect(await left(cache, keys)).toEqual([['tasks', 'agent', 7, 1], ['tasks', 'agent', '42', 1]]);
  });

  it('matches string keys with the text parts they are written with', async () => {
    const keys = ['tasks:agent:42:1', 'tasks:agent:7:1'];
    await cache.setMany(keys.map((key) => ({ key, value: 'v' })));
    expect(await cache.deleteByPattern(['tasks', 'agent', '42', '*'])).toBe(1);
    expect(await left(cache, keys)).toEqual(['tasks:agent:7:1']);
  });

  it('keeps glob syntax in string parts only: other parts match themselves', async () => {
    const keys = [['q', { a: '*' }, 1], ['q', { a: 'x' }, 1], ['a:b*', 1], ['a:bc', 1]];
    await cache.setMany(keys.map((key) => ({ key, value: 'v' })));
    expect(await cache.deleteByPattern(['q', { a: '*' }, '*'])).toBe(1);
    expect(await cache.deleteByPattern(['a:b\\*', '*'])).toBe(1);
    expect(await left(cache, keys)).toEqual([['q', { a: 'x' }, 1], ['a:bc', 1]]);
  });

  it.each([
    ['tasks:agent:42:*', "['tasks', 'agent', 42, '*']"],
    ['flags:true', "['flags', true]"],
    ['x:-1.5:*', "['x', -1.5, '*']"],
    ['x:null:*', "['x', null, '*']"],
  ])('refuses the string pattern %s, whose scalar segment would miss keys built from parts, naming the parts forms', async (pattern, suggestion) => {
    await cache.set(['tasks', 'agent', 42, 1], 'v');
    const refused = cache.deleteByPattern(pattern);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, message: expect.stringContaining(suggestion) });
    expect(await cache.has(['tasks', 'agent', 42, 1])).toBe(true);
  });

  it('still takes string patterns whose segments are all text', async () => {
    await cache.setMany(['tasks:agent:a42:1', 'tasks:bot:1'].map((key) => ({ key, value: 'v' })));
    expect(await cache.deleteByPattern('tasks:agent:*')).toBe(1);
    expect(await cache.deleteByPattern('tasks:~42:*')).toBe(0); // the encoding, written out, is accepted
  });

  it.each([
    ['an empty array', []],
    ['a function part', ['x', () => 1]],
    ['a number', 42],
    ['an empty string', ''],
  ])('rejects %s with a typed error', async (_what, pattern) => {
    await expect(cache.deleteByPattern(pattern as never)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });
});

it('applies a parts pattern to the L1 of every instance', async () => {
  const namespace = uniqueNamespace('pattern');
  const [a, b] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
  await Promise.all([a.ready(), b.ready()]);
  await a.setMany([1, 2].map((i) => ({ key: ['tasks', 'agent', 42, i], value: i })));
  for (let i = 0; i < 3; i++) await b.get(['tasks', 'agent', 42, 1]);
  expect(b.stats().hitsL1).toBeGreaterThan(0);
  const applied = remoteApplied(b);
  expect(await a.deleteByPattern(['tasks', 'agent', 42, '*'])).toBe(2);
  await applied;
  expect(await b.get(['tasks', 'agent', 42, 1])).toBeUndefined();
});
