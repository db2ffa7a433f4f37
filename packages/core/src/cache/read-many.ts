import { buildKey, type CacheKey } from '../keys/key-builder.js';
import type { Engine } from './engine.js';
import { resolveEntryOptions, type EntryOptions } from './options.js';
import type { Scope } from './scope.js';

/**
 * `TieredCache.getMany`: L1 first, then one L2 read for every key it lacked. Found entries only,
 * keyed by the key as given (parts are keyed by their built string).
 */
export async function readMany<T>(engine: Engine, scope: Scope, keys: readonly CacheKey[], keyFor: (key: CacheKey) => string, options: EntryOptions | undefined): Promise<Map<string, T>> {
  const { l1, reader, epochs, telemetry, loads } = engine;
  const resolved = resolveEntryOptions(options, scope.defaults, 'options.');
  const found = new Map<string, T>();
  const missing: { userKey: string; fullKey: string }[] = [];
  for (const key of keys) {
    const userKey = typeof key === 'string' ? key : buildKey(key);
    const fullKey = keyFor(key);
    const record = l1?.fresh(fullKey);
    if (record === undefined) {
      missing.push({ userKey, fullKey });
    } else {
      telemetry.hit(fullKey, 'l1');
      found.set(userKey, l1!.read(record) as T);
    }
  }
  if (missing.length === 0) return found;
  if (reader === undefined) {
    for (const { fullKey } of missing) telemetry.miss(fullKey);
    return found;
  }
  const began = epochs.now();
  const entries = await reader.many(scope, missing.map((item) => item.fullKey), 0);
  missing.forEach(({ userKey, fullKey }, i) => {
    const hit = entries[i];
    if (hit === undefined) return telemetry.miss(fullKey);
    telemetry.hit(fullKey, 'l2');
    // Only a change of this very key since the read began keeps the answer out of L1.
    const keep = l1 !== undefined && !epochs.changedSince(fullKey, began);
    found.set(userKey, (keep ? l1.fill(fullKey, hit, resolved) : loads.handOut(hit)) as T);
  });
  return found;
}
