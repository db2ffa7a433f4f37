import { clearMarkKey, tagMarkKey } from '../invalidation/marks.js';
import { NAMESPACE_SEPARATOR, encodeName } from '../keys/key-builder.js';
import type { ResolvedEntryOptions } from './options.js';

/**
 * Where a cache's entries and marks live: its key prefix, the clear marks that apply to it (its own
 * and every ancestor's), and its entry defaults. A child namespace is a new scope over the same engine.
 */
export class Scope {
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

  tagMark(tag: string): string {
    return tagMarkKey(this.prefix, tag);
  }

  /** Every mark that can invalidate an entry of this scope with these tags; computed once per entry. */
  marksOf(tags: readonly string[] | undefined): readonly string[] {
    return tags === undefined || tags.length === 0 ? this.clearMarks : [...this.clearMarks, ...tags.map((tag) => this.tagMark(tag))];
  }
}
