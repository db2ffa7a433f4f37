import { LRUCache } from 'lru-cache';

/**
 * How invalidation works without touching the entries it invalidates: each tag, and each
 * namespace's "clear", has a mark holding the time of its last invalidation. An entry is dead when
 * it was created (its load started) at or before the hard mark of its namespace or of one of its
 * tags, and stale when only a soft mark is that late. Invalidating a tag is one write, however many
 * entries carry it, and the marks are one small key per invalidated tag, expiring.
 */
export type InvalidationMode = 'hard' | 'soft';

export interface Mark {
  /** Time of the last hard invalidation, in ms (0: never). */
  readonly hard: number;
  /** Time of the last soft invalidation, in ms (0: never). */
  readonly soft: number;
}

export type Verdict = 'fresh' | 'stale' | 'dead';

const NO_MARK: Mark = { hard: 0, soft: 0 };

/** Where a namespace's clear mark lives; `scope` is the namespace's key prefix. */
export function clearMarkKey(scope: string): string {
  return `${scope}|c`;
}

/** Where a tag's mark lives: tags are scoped to the namespace that wrote them. */
export function tagMarkKey(scope: string, tag: string): string {
  return `${scope}|t|${tag}`;
}

/**
 * Marks share their namespace's prefix (so clearing a namespace finds them) but can never be
 * mistaken for an entry: a `|` right after a prefix's last character only occurs in marks.
 */
export function isMarkKey(key: string): boolean {
  return /[:|]\|/.test(key);
}

/** The marks this process knows, bounded; `version` changes whenever one does. */
export class MarkStore {
  readonly #marks = new LRUCache<string, Mark>({ max: 10_000 });
  version = 0;

  has(key: string): boolean {
    return this.#marks.has(key);
  }

  /** Records a mark, keeping the later of the known and the new times. */
  merge(key: string, mark: Mark): void {
    const known = this.#marks.get(key) ?? NO_MARK;
    if (mark.hard <= known.hard && mark.soft <= known.soft) {
      if (!this.#marks.has(key)) this.#marks.set(key, known);
      return;
    }
    this.#marks.set(key, { hard: Math.max(known.hard, mark.hard), soft: Math.max(known.soft, mark.soft) });
    this.version++;
  }

  apply(key: string, mode: InvalidationMode, at: number): void {
    this.merge(key, mode === 'hard' ? { hard: at, soft: 0 } : { hard: 0, soft: at });
  }

  /**
   * An unknown mark counts as "never": entries read from L2 have their marks fetched first, and an
   * entry already in L1 was checked when it arrived, with later invalidations reaching it by message.
   */
  verdict(createdAt: number, keys: readonly string[]): Verdict {
    let verdict: Verdict = 'fresh';
    for (const key of keys) {
      const mark = this.#marks.get(key);
      if (mark === undefined) continue;
      if (createdAt <= mark.hard) return 'dead';
      if (createdAt <= mark.soft) verdict = 'stale';
    }
    return verdict;
  }

  /** Forgets everything, after messages may have been missed. */
  flush(): void {
    this.#marks.clear();
    this.version++;
  }
}
