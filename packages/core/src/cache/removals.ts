import { invalidArgument } from '../errors.js';
import { clearMarkKey } from '../invalidation/marks.js';
import { encodeName, escapeGlob } from '../keys/key-builder.js';
import type { InvalidateOptions, PurgeProgress } from './cache-types.js';
import type { Engine } from './engine.js';
import { CALL_OPTIONS } from './option-shapes.js';
import { prefixOf, resolveTags } from './options.js';
import type { Scope } from './scope.js';

// What `TieredCache` removes in bulk from a scope, on every tier and instance (see its methods for what each promises).

export async function invalidateTags(engine: Engine, scope: Scope, tags: readonly string[], options: InvalidateOptions): Promise<void> {
  CALL_OPTIONS.invalidate.check(options, 'options');
  const list = resolveTags(tags, 'tags');
  const mode = options.mode ?? 'hard';
  if (mode !== 'hard' && mode !== 'soft') throw invalidArgument('mode', "expected 'hard' or 'soft'");
  if (list.length > 0) await engine.invalidator.mark(list.map((tag) => scope.tagMark(tag)), mode);
}

/** A clear mark first, so that no read racing with the clear can bring an entry back; then L1 and Redis are emptied. */
export async function clear(engine: Engine, scope: Scope): Promise<void> {
  const { invalidator, telemetry } = engine;
  await invalidator.mark([clearMarkKey(scope.prefix)], 'hard');
  await invalidator.removeMatching(`${escapeGlob(scope.prefix)}*`);
  telemetry.events.emit('clear', { prefix: scope.prefix });
}

/** `glob`: the pattern as `buildPattern` made it. */
export function deleteMatching(engine: Engine, scope: Scope, glob: string): Promise<number> {
  return engine.invalidator.removeMatching(`${escapeGlob(scope.prefix)}${glob}`);
}

export async function purgeOtherVersions(engine: Engine, onProgress?: (progress: PurgeProgress) => void): Promise<PurgeProgress> {
  const { version, namespace } = engine.options;
  if (version === undefined) throw invalidArgument('purgeOtherVersions', 'this cache has no `version` option');
  const l2 = engine.l2;
  const current = prefixOf(namespace, version);
  const purged = await l2?.guardEveryNode('purgeOtherVersions', () =>
    l2.inner.scanDelete(`${escapeGlob(`${encodeName(namespace)}|v`)}*`, (key) => !key.startsWith(current), onProgress),
  );
  return purged ?? { scanned: 0, deleted: 0 };
}
