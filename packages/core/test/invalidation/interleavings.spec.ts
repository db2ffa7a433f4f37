import fc from 'fast-check';
import type { TieredCache } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
afterAll(() => caches.closeAll());

const KEYS = ['a', 'b', 'c'];
const GROUP = (key: string) => (key === 'c' ? 'group:2' : 'group:1');

type Op =
  | { kind: 'read'; on: 0 | 1; key: string }
  | { kind: 'write'; on: 0 | 1; key: string } // update the source of truth, then set the cache
  | { kind: 'evict'; on: 0 | 1; key: string } // update the source of truth, then delete the key
  | { kind: 'evictGroup'; on: 0 | 1; group: string }; // update a group, then invalidate its tag

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), on: fc.constantFrom(0 as const, 1 as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('write' as const), on: fc.constantFrom(0 as const, 1 as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('evict' as const), on: fc.constantFrom(0 as const, 1 as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    kind: fc.constant('evictGroup' as const),
    on: fc.constantFrom(0 as const, 1 as const),
    group: fc.constantFrom('group:1', 'group:2'),
  }),
);

/**
 * Random programs over two instances sharing Redis, against a source of truth. Each invalidation is
 * awaited and delivered (the other instance has applied the message) before the next operation
 * begins; every read must then return the source of truth, never an invalidated value.
 */
describe('invalidation interleavings (property)', () => {
  it('never serves a value invalidated before the read began', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (program) => {
        const namespace = uniqueNamespace('prop');
        const instances: [TieredCache, TieredCache] = [caches.twoTier({ namespace }), caches.twoTier({ namespace })];
        await Promise.all(instances.map((cache) => cache.ready()));
        const applied = [0, 0];
        instances.forEach((cache, i) => cache.events.on('remote', () => applied[i]!++));
        const expected = [0, 0];
        const truth = new Map(KEYS.map((key) => [key, 0]));
        const load = (key: string) => async () => truth.get(key)!;
        const options = (key: string) => ({ tags: [GROUP(key)] });
        const delivered = async (from: 0 | 1) => {
          const other = from === 0 ? 1 : 0;
          expected[other]!++;
          while (applied[other]! < expected[other]!) await new Promise((resolve) => setImmediate(resolve));
        };

        for (const step of program) {
          const cache = instances[step.on];
          switch (step.kind) {
            case 'read': {
              const value = await cache.getOrSet(step.key, load(step.key), options(step.key));
              if (value !== truth.get(step.key)) {
                throw new Error(`instance ${step.on} read ${step.key}=${value}, truth is ${truth.get(step.key)}`);
              }
              break;
            }
            case 'write':
              truth.set(step.key, truth.get(step.key)! + 1);
              await cache.set(step.key, truth.get(step.key), options(step.key));
              await delivered(step.on);
              break;
            case 'evict':
              truth.set(step.key, truth.get(step.key)! + 1);
              await cache.delete(step.key);
              await delivered(step.on);
              break;
            case 'evictGroup':
              for (const key of KEYS.filter((k) => GROUP(k) === step.group)) truth.set(key, truth.get(key)! + 1);
              await cache.invalidateTags([step.group]);
              await delivered(step.on);
              break;
          }
        }
        await Promise.all(instances.map((cache) => cache.close()));
      }),
      { numRuns: 60, seed: 20261124 },
    );
  }, 60_000);
});
