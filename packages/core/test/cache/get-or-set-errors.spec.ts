import { ErrorCode, TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

/** The call itself must not throw: callers that chain `.catch` or `.then` see every failure. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = call();
  }).not.toThrow();
  return promise!.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('getOrSet failures', () => {
  it.each([
    ['an empty key', (cache: TieredCache) => cache.getOrSet('', async () => 1), ErrorCode.InvalidArgument],
    ['an empty parts key', (cache: TieredCache) => cache.getOrSet([], async () => 1), ErrorCode.InvalidArgument],
    ['a loader that is not a function', (cache: TieredCache) => cache.getOrSet('k', 'nope' as never), ErrorCode.InvalidArgument],
    ['an unknown profile', (cache: TieredCache) => cache.getOrSet('k', async () => 1, { profile: 'none' }), ErrorCode.InvalidOption],
    ['a bad option', (cache: TieredCache) => cache.getOrSet('k', async () => 1, { ttl: -1 }), ErrorCode.InvalidOption],
    ['a TTL function with a bad loader', (cache: TieredCache) => cache.getOrSet('k', 'nope' as never, { ttl: () => 1_000 }), ErrorCode.InvalidArgument],
  ])('rejects for %s, never throws', async (_name, call, code) => {
    const cache = caches.l1Only();
    expect(await rejection(() => call(cache))).toMatchObject({ code });
  });

  it('rejects a hit on a closed cache with E_CLOSED', async () => {
    const cache = caches.l1Only();
    await cache.getOrSet('k', async () => 1);
    await cache.close();
    expect(await rejection(() => cache.getOrSet('k', async () => 2))).toMatchObject({ code: ErrorCode.Closed });
  });
});
