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

/**
 * `unknown`: a mark the entry depends on is not known here; only L2 can tell. `unknown-stale`: the
 * same, and stale at least (a mark known here, trusted or not, soft-invalidated it).
 */
export type Verdict = 'fresh' | 'stale' | 'dead' | 'unknown' | 'unknown-stale';

/** Whether only L2 can say how the entry stands. */
export function untrusted(verdict: Verdict): boolean {
  return verdict === 'unknown' || verdict === 'unknown-stale';
}

export interface Judgement {
  readonly verdict: Verdict;
  /** Until when the verdict holds unless a mark changes (a known mark is re-read from L2 after that). */
  readonly until: number;
}

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

class KnownMark implements Mark {
  constructor(
    readonly hard: number,
    readonly soft: number,
    /** When this process stops trusting its copy (Infinity when marks live only here). */
    readonly until: number,
  ) {}
}

export interface MarkStoreOptions {
  /** Most marks kept in memory. */
  maxMarks: number;
  /**
   * How long a mark is trusted before it is read again from L2, bounding what a lost bus message
   * can cost. `Infinity` without L2: this process is then the only source of marks.
   */
  memoryMs: number;
}

/**
 * The marks this process knows. It may forget a mark (memory bound, or `memoryMs` passed), but never
 * in a way that revives an entry: with L2 a forgotten mark reads as `unknown` (ask L2), and without
 * L2, where nobody else has it, forgetting raises a floor below which every entry counts as dead.
 * `version` changes whenever a verdict could.
 */
export class MarkStore {
  readonly #marks: LRUCache<string, KnownMark>;
  readonly #memoryMs: number;
  /**
   * The latest time of a mark this process forgot for room. Without L2, where nobody else has it,
   * every entry created at or before it counts as dead; with L2 it is what an entry must be newer
   * than to be vouched for while L2 can't be asked (see `vouchesFor`).
   */
  #floor = 0;
  version = 0;

  constructor(options: MarkStoreOptions) {
    this.#memoryMs = options.memoryMs;
    const local = options.memoryMs === Infinity;
    this.#marks = new LRUCache<string, KnownMark>({
      max: options.maxMarks,
      dispose: (mark, _key, reason) => {
        if (reason !== 'evict') return;
        this.#floor = Math.max(this.#floor, mark.hard, mark.soft);
        if (local) this.version++;
      },
    });
  }

  /**
   * Whether an entry whose verdict is `unknown` may still be served while L2 can't be asked: only if
   * it was created after every mark this process forgot for room, any of which may have killed it.
   */
  vouchesFor(createdAt: number): boolean {
    return createdAt > this.#floor;
  }

  /** The marks of `keys` this process does not trust now. */
  missing(keys: readonly string[], now: number): string[] {
    return keys.filter((key) => !this.#known(key, now));
  }

  /** Records what L2 holds for a mark (or {0, 0}: never invalidated), keeping the later times. */
  learn(key: string, mark: Mark, now: number): void {
    this.#merge(key, mark.hard, mark.soft, now);
  }

  /** Records an invalidation made here or announced by another instance. */
  apply(key: string, mode: InvalidationMode, at: number, now: number): void {
    this.#merge(key, mode === 'hard' ? at : 0, mode === 'soft' ? at : 0, now);
  }

  judge(createdAt: number, keys: readonly string[], now: number): Judgement {
    let verdict: Verdict = 'fresh';
    let unknown = false;
    let until = Infinity;
    for (const key of keys) {
      const copy = this.#marks.get(key);
      // Marks only move forward, so a copy no longer trusted is still a floor for the mark: what it
      // kills is dead, and what it soft-invalidated is stale at least.
      if (copy !== undefined && createdAt <= copy.hard) return { verdict: 'dead', until: Infinity };
      if (copy !== undefined && createdAt <= copy.soft) verdict = 'stale';
      if (copy === undefined || copy.until <= now) {
        if (this.#memoryMs !== Infinity) unknown = true;
        else if (createdAt <= this.#floor) return { verdict: 'dead', until: Infinity };
        continue;
      }
      if (copy.until < until) until = copy.until;
    }
    if (unknown) return { verdict: verdict === 'stale' ? 'unknown-stale' : 'unknown', until: now };
    return { verdict, until };
  }

  /**
   * For an entry this process just produced: a mark it doesn't know can only kill the entry if the
   * invalidation came after the entry's load began, and that would have been announced; so an
   * unknown mark counts as "not since", until the entry's marks are due to be checked again.
   */
  judgeOwn(createdAt: number, keys: readonly string[], now: number): Judgement {
    const judgement = this.judge(createdAt, keys, now);
    if (!untrusted(judgement.verdict)) return judgement;
    return { verdict: judgement.verdict === 'unknown-stale' ? 'stale' : 'fresh', until: now + this.#memoryMs };
  }

  /** Forgets everything, after messages may have been missed (only with L2, which still has them). */
  forgetAll(): void {
    this.#marks.clear();
    this.version++;
  }

  #known(key: string, now: number): KnownMark | undefined {
    const mark = this.#marks.get(key);
    return mark !== undefined && mark.until > now ? mark : undefined;
  }

  #merge(key: string, hard: number, soft: number, now: number): void {
    const known = this.#marks.get(key);
    const until = now + this.#memoryMs;
    if (known === undefined) {
      this.#marks.set(key, new KnownMark(hard, soft, until));
      if (hard > 0 || soft > 0) this.version++;
      return;
    }
    const changed = hard > known.hard || soft > known.soft;
    this.#marks.set(key, new KnownMark(Math.max(known.hard, hard), Math.max(known.soft, soft), until));
    if (changed) this.version++;
  }
}
