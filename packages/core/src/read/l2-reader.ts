import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import { untrusted, type MarkStore } from '../invalidation/marks.js';
import { isTombstone, type EntryCodec } from '../serialization/entry-codec.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';

/** An entry read from L2 and judged once. */
export interface L2Read {
  readonly entry: CacheEntry;
  readonly rawLength: number;
  readonly marks: readonly string[];
  /** Expired, soft-invalidated, or of unknown standing, but within the reader's grace. */
  readonly stale: boolean;
  /** False when its marks could not be read: it is never kept in L1 nor served as fresh. */
  readonly trusted: boolean;
}

/**
 * Reads entries from L2 and judges them: decodes (a malformed entry is a counted miss, a tombstone a
 * plain one), learns the marks this process doesn't trust yet, and sorts what is left into fresh and
 * stale. Marks that L2 can't return fail closed: such an entry is at most a stale fallback.
 */
export class L2Reader {
  constructor(
    private readonly l2: ResilientTier,
    private readonly codec: EntryCodec,
    private readonly marks: MarkStore,
    private readonly telemetry: Telemetry,
  ) {}

  /** One key, without the arrays: the path of every L2 hit, with no async frame of its own. */
  one(scope: Scope, key: string, grace: number, report = true): Promise<L2Read | undefined> {
    return this.l2.get(key).then((raw) => (raw === undefined ? undefined : this.judgeRaw(scope, key, raw, grace, report)));
  }

  /**
   * What `one` does with what it read, for an entry read another way (with the fleet load lock).
   * Synchronous unless marks must be learned from L2 first.
   */
  judgeRaw(scope: Scope, key: string, raw: string, grace: number, report = true): L2Read | undefined | Promise<L2Read | undefined> {
    const now = Date.now();
    const entry = this.#decode(key, raw, now, grace, report);
    if (entry === undefined) return undefined;
    const marks = scope.marksOf(entry.tags);
    const missing = this.marks.missing(marks, now);
    if (missing.length === 0) return this.#judge(entry, raw.length, marks, grace, now);
    return this.#learn(missing).then(() => this.#judge(entry, raw.length, marks, grace, Date.now()));
  }

  async many(scope: Scope, keys: readonly string[], grace: number): Promise<(L2Read | undefined)[]> {
    const raws = await this.l2.getMany(keys);
    const now = Date.now();
    const entries = raws.map((raw, i) => (raw === undefined ? undefined : this.#decode(keys[i]!, raw, now, grace, true)));
    const marks = entries.map((entry) => (entry === undefined ? undefined : scope.marksOf(entry.tags)));
    const missing = this.marks.missing([...new Set(marks.flatMap((list) => list ?? []))], now);
    if (missing.length > 0) await this.#learn(missing);
    const judged = Date.now();
    return entries.map((entry, i) => (entry === undefined ? undefined : this.#judge(entry, raws[i]!.length, marks[i]!, grace, judged)));
  }

  #decode(key: string, raw: string, now: number, grace: number, report: boolean): CacheEntry | undefined {
    if (isTombstone(raw)) return undefined;
    const entry = this.codec.decode(raw);
    if (typeof entry === 'string') {
      if (report) this.telemetry.malformed(key, entry);
      return undefined;
    }
    return entry.expiresAt + grace > now ? entry : undefined;
  }

  async #learn(keys: readonly string[]): Promise<void> {
    const found = await this.l2.readMarks(keys);
    const now = Date.now();
    found?.forEach((mark, i) => this.marks.learn(keys[i]!, mark, now));
  }

  #judge(entry: CacheEntry, rawLength: number, marks: readonly string[], grace: number, now: number): L2Read | undefined {
    const { verdict } = this.marks.judge(entry.createdAt, marks, now);
    if (verdict === 'dead') return undefined;
    const trusted = !untrusted(verdict);
    const stale = !trusted || verdict === 'stale' || entry.expiresAt <= now;
    return stale && grace <= 0 ? undefined : { entry, rawLength, marks, stale, trusted };
  }
}
