import { clearMarkKey, tagMarkKey } from '../invalidation/marks.js';
import { NAMESPACE_SEPARATOR, encodeName } from '../keys/key-builder.js';
import type { WriteSettings } from '../write/writer.js';
import { resolveEntryOptions, resolveTags, type ResolvedEntryOptions, type WriteOptions } from './options.js';

/**
 * Where a cache's entries and marks live: its key prefix, the clear marks that apply to it (its own
 * and every ancestor's), and its entry defaults. A child namespace is a new scope over the same engine.
 */
export class Scope {
  #defaultSettings: WriteSettings | undefined;
  /** Options objects that cannot change (frozen, as the decorators' are) are resolved once. */
  readonly #frozenSettings = new WeakMap<WriteOptions, WriteSettings>();

  constructor(
    readonly prefix: string,
    readonly clearMarks: readonly string[],
    readonly defaults: ResolvedEntryOptions,
  ) {}

  static root(prefix: string, defaults: ResolvedEntryOptions): Scope {
    return new Scope(prefix, [clearMarkKey(prefix)], defaults);
  }

  child(name: string, defaults: ResolvedEntryOptions): Scope {
    const prefix = `${this.prefix}${encodeName(name)}${NAMESPACE_SEPARATOR}`;
    return new Scope(prefix, [...this.clearMarks, clearMarkKey(prefix)], defaults);
  }

  /** Per-call options resolved over this scope's defaults, validated (errors name `path`). */
  settings(options: WriteOptions | undefined, path: string): WriteSettings {
    if (options === undefined) return (this.#defaultSettings ??= { ...this.defaults, tags: [] });
    const unchangeable = Object.isFrozen(options) && (options.tags === undefined || Object.isFrozen(options.tags));
    let settings = unchangeable ? this.#frozenSettings.get(options) : undefined;
    if (settings === undefined) {
      settings = { ...resolveEntryOptions(options, this.defaults, path), tags: resolveTags(options.tags, `${path}tags`) };
      if (unchangeable) this.#frozenSettings.set(options, settings);
    }
    return settings;
  }

  tagMark(tag: string): string {
    return tagMarkKey(this.prefix, tag);
  }

  /** Every mark that can invalidate an entry of this scope with these tags; computed once per entry. */
  marksOf(tags: readonly string[] | undefined): readonly string[] {
    return tags === undefined || tags.length === 0 ? this.clearMarks : [...this.clearMarks, ...tags.map((tag) => this.tagMark(tag))];
  }
}
