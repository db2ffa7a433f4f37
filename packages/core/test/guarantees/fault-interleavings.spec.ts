import fc from 'fast-check';
import { TieredCache } from '../../src/index.js';
import { FaultTier } from '../../src/testing/index.js';
import { eventually, redisUrl, silentLogger, uniqueNamespace } from '../support/redis.js';

const KEYS = ['a', 'b', 'c'];
const GROUP = (key: string) => (key === 'c' ? 'g2' : 'g1');
const INSTANCES = 3;

type Op =
  | { kind: 'read' | 'write' | 'evict'; on: number; key: string }
  | { kind: 'evictGroup'; on: number; group: string }
  | { kind: 'clear' | 'partition' | 'drop' | 'duplicate'; on: number }
  | { kind: 'settle' };

const on = fc.integer({ min: 0, max: INSTANCES - 1 });
const key = fc.constantFrom(...KEYS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('read' as const, 'write' as const, 'evict' as const), on, key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('evictGroup' as const), on, group: fc.constantFrom('g1', 'g2') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('clear' as const, 'partition' as const, 'drop' as const, 'duplicate' as const), on }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
);

interface Instance {
  cache: TieredCache;
  faults: FaultTier;
  applied: number;
}

/**
 * Random programs over three instances sharing Redis (two with L1, one without), against a source
 * of truth, with partitions, lost and duplicated bus messages injected by the fault tier.
 * - While no fault is in effect, every invalidation is awaited and delivered before the next step,
 *   and every read returns the truth.
 * - After the faults heal and what was queued is replayed (`settle`), no instance returns a value
 *   older than the truth: nothing deleted or invalidated comes back.
 * CI runs a fixed seed, so every run checks the same programs; FC_SEED=<seed> runs others (fast-check
 * prints the seed and the shrunk program of a failure).
 */
describe('consistency under faults (property, fault tier over real Redis)', () => {
  it('never serves an invalidated value once the faults heal and messages are delivered', async () => {
    const seed = Number(process.env.FC_SEED ?? 20261201);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 8, maxLength: 30 }), async (program) => {
        const namespace = uniqueNamespace('faults');
        const instances: Instance[] = [];
        try {
          for (let i = 0; i < INSTANCES; i++) {
            let faults!: FaultTier;
            const cache = new TieredCache(
              {
                namespace,
                logger: silentLogger,
                l1: i === 2 ? false : {},
                l2: { redis: redisUrl(), breaker: { failureThreshold: 1, openMs: 20, maxOpenMs: 50 } },
              },
              { wrapRemote: (tier) => (faults = new FaultTier(tier)) },
            );
            const instance: Instance = { cache, faults, applied: 0 };
            cache.events.on('remote', () => instance.applied++);
            instances.push(instance);
          }
          // Up before the faults begin; a breaker this tight may open for a moment on a slow command of a
          // loaded machine, and ready() then says false at once: ask again until all are.
          await eventually(async () => (await Promise.all(instances.map(({ cache }) => cache.ready()))).every(Boolean), 10_000);
          const truth = new Map(KEYS.map((k) => [k, 0]));
          const load = (k: string) => async () => truth.get(k)!;
          const options = (k: string) => ({ tags: [GROUP(k)] });
          let faulty = false;

          const delivered = async (from: number, before: number[]) => {
            if (faulty) return;
            await eventually(() => instances.every((instance, i) => i === from || instance.applied > before[i]!), 3_000);
          };
          const settle = async () => {
            for (const { faults } of instances) {
              faults.heal();
              faults.duplicateMessages(false);
            }
            await eventually(
              () => instances.every(({ cache }) => cache.status().l2?.connected === true && !cache.status().l2?.breakerOpen && cache.status().l2?.pendingWrites === 0),
              5_000,
            );
            // A message from every instance lets each receiver notice one it lost before.
            for (let i = 0; i < INSTANCES; i++) await instances[i]!.cache.set(`sentinel:${i}`, Date.now());
            await eventually(async () => {
              for (const { cache } of instances) {
                for (const k of KEYS) {
                  const value = await cache.get<number>(k);
                  if (value !== undefined && value !== truth.get(k)) return false;
                }
              }
              return true;
            }, 5_000);
            faulty = false;
          };

          for (const step of program) {
            if (step.kind === 'settle') {
              await settle();
              continue;
            }
            const { cache, faults } = instances[step.on]!;
            const before = instances.map((instance) => instance.applied);
            switch (step.kind) {
              case 'read': {
                const value = await cache.getOrSet(step.key, load(step.key), options(step.key));
                if (!faulty && value !== truth.get(step.key)) {
                  throw new Error(`instance ${step.on} read ${step.key}=${value}, truth is ${truth.get(step.key)}`);
                }
                break;
              }
              case 'write':
                truth.set(step.key, truth.get(step.key)! + 1);
                await cache.set(step.key, truth.get(step.key), options(step.key));
                await delivered(step.on, before);
                break;
              case 'evict':
                truth.set(step.key, truth.get(step.key)! + 1);
                await cache.delete(step.key);
                await delivered(step.on, before);
                break;
              case 'evictGroup':
                for (const k of KEYS.filter((candidate) => GROUP(candidate) === step.group)) truth.set(k, truth.get(k)! + 1);
                await cache.invalidateTags([step.group]);
                await delivered(step.on, before);
                break;
              case 'clear':
                for (const k of KEYS) truth.set(k, truth.get(k)! + 1);
                await cache.clear();
                // Two messages: the clear mark, then the pattern.
                if (!faulty) await eventually(() => instances.every((instance, i) => i === step.on || instance.applied >= before[i]! + 2), 3_000);
                break;
              case 'partition':
                faulty = true;
                faults.partition();
                break;
              case 'drop':
                faulty = true;
                faults.dropMessages(1);
                break;
              case 'duplicate':
                faults.duplicateMessages(true);
                break;
            }
          }
          await settle();
        } finally {
          await Promise.all(instances.map(({ cache }) => cache.close()));
        }
      }),
      { numRuns: 25, seed },
    );
  }, 240_000);
});
