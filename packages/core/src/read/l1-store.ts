import type { Telemetry } from '../cache/telemetry.js';
import { untrusted, type Judgement, type MarkStore, type Verdict } from '../invalidation/marks.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import { freezeDecoded, snapshot } from '../values/snapshot.js';
import { L1Budget, TOO_BIG, type L1Limits } from './l1-budget.js';
import { L1Lru, type Kept } from './l1-lru.js';
import { turnNow } from './turn-clock.js';
import { l1EntryBytes, serializedValueBytes } from './l1-size.js';

/** A value L1 keeps as its serialized text until the first read (a set's: nobody may read it). */
export class Encoded {
  constructor(
    readonly payload: string,
    /** The decoded value's heap bytes, as measured on the value it was serialized from. */
    readonly size: number,
  ) {}
}

/**
 * What L1 keeps per key. A class with every field set in the constructor keeps one object shape, so
 * the hit path reads fields from a fixed layout (a spread with fields added after it did not).
 */
export class L1Record implements CacheEntry, Kept {
  /** `MarkStore.version` when `verdict` was last worked out (-1: not yet). */
  checked = -1;
  verdict: Verdict = 'fresh';
  /** Until when `verdict` holds without looking at the marks again. */
  verdictUntil = 0;
  keepUntil = 0;
  /** Whole milliseconds: an integer field needs no heap box of its own (16 bytes an entry). */
  readonly loadMs: number;

  constructor(
    /** An `Encoded` value until its first read. */
    public value: unknown,
    readonly createdAt: number,
    readonly expiresAt: number,
    readonly tags: readonly string[] | undefined,
    loadMs: number,
    /** Until when this copy is served without asking L2 (at most `expiresAt`, except when fail-safe throttles). */
    readonly freshUntil: number,
    /** The value's heap bytes (see l1-size.ts); the entry's are `l1EntryBytes(key, size)`. */
    readonly size: number,
    /** A read must work for the value: decode it (the first read of an `Encoded` one) or copy it (what freezing can't protect). */
    public slowRead: boolean,
    /** The marks that can invalidate this entry. */
    readonly marks: readonly string[],
  ) {
    this.loadMs = Math.ceil(loadMs);
  }

  /** The same entry, served fresh until `freshUntil`. */
  withFreshUntil(freshUntil: number): L1Record {
    return new L1Record(this.value, this.createdAt, this.expiresAt, this.tags, this.loadMs, freshUntil, this.size, this.slowRead, this.marks);
  }
}

/** Where an L1 copy stands: served as is, worth checking L2 for, or past its expiry (or soft-invalidated). */
export type L1State = 'fresh' | 'aged' | 'stale';

/** An entry as read from L2 (or a fallback), with the marks it was judged by. */
export interface FromL2 {
  readonly entry: CacheEntry;
  readonly rawLength: number;
  readonly marks: readonly string[];
}

export interface EntryTimes {
  readonly l1Ttl: number;
  readonly grace: number;
}

export interface L1Bounds {
  maxEntries: number;
  maxBytes: number;
  mutationSafe: boolean;
}

/**
 * L1 and the policy of its records: which state a record is in (judged against the marks once per
 * change of them), what a caller gets (a copy where freezing can't protect the value), and how
 * values enter it. A record that an invalidation killed is dropped as soon as it is looked at.
 */
export class L1Store {
  readonly #tier: L1Lru<L1Record>;
  readonly #budget: L1Budget;
  readonly #evicted: (key: string) => void;
  readonly mutationSafe: boolean;

  constructor(
    readonly bounds: L1Bounds,
    private readonly marks: MarkStore,
    telemetry: Telemetry,
    private readonly remoteUsable: () => boolean,
    /** Reads back an `Encoded` value's text. */
    private readonly decodeValue: (payload: string) => unknown,
  ) {
    this.mutationSafe = bounds.mutationSafe;
    this.#budget = new L1Budget(bounds);
    this.#evicted = (key) => {
      telemetry.stats.evictions++;
      // A full L1 evicts on every fill: no event object for nobody.
      if (telemetry.events.heard('eviction')) telemetry.events.emit('eviction', { key });
    };
    this.#tier = new L1Lru<L1Record>({
      maxEntries: bounds.maxEntries,
      maxBytes: bounds.maxBytes,
      sizeOf: (record, key) => l1EntryBytes(key, record.size),
      onEvict: this.#evicted,
      onRemove: (key, record) => this.#budget.release(key, record),
    });
  }

  /** Gives each child namespace of `prefix` its own share of L1 (see L1Budget). */
  partition(prefix: string, limits: L1Limits): void {
    this.#budget.partition(prefix, limits);
  }

  get size(): number {
    return this.#tier.size;
  }

  get bytes(): number {
    return this.#tier.bytes;
  }

  get(key: string, now: number): L1Record | undefined {
    return this.#tier.get(key, now);
  }

  /** Where a record stands; a record that an invalidation killed is dropped (undefined). */
  classify(key: string, record: L1Record, now: number): L1State | undefined {
    if (record.checked !== this.marks.version || now >= record.verdictUntil) {
      const judgement = this.marks.judge(record.createdAt, record.marks, now);
      this.#judged(record, judgement);
      if (judgement.verdict === 'dead') {
        this.#tier.delete([key]);
        return undefined;
      }
    }
    // A mark this process no longer trusts: L2 has the truth, so the copy is only a hint. While L2
    // is unreachable the copy serves as in any partition, as stale if what is known here says so,
    // unless a mark forgotten here for room may have killed it: then it is dropped, never revived.
    if (untrusted(record.verdict)) {
      if (this.remoteUsable()) return 'aged';
      if (!this.marks.vouchesFor(record.createdAt)) {
        this.#tier.delete([key]);
        return undefined;
      }
    }
    if (record.verdict === 'stale' || record.verdict === 'unknown-stale') return 'stale';
    if (now < record.freshUntil) return 'fresh';
    return now < record.expiresAt ? 'aged' : 'stale';
  }

  /** The fresh record for `key`, if any. */
  fresh(key: string): L1Record | undefined {
    const now = turnNow();
    const record = this.#tier.get(key, now);
    return record !== undefined && this.classify(key, record, now) === 'fresh' ? record : undefined;
  }

  /** What a caller gets: a copy when freezing alone can't protect the value. */
  read(record: L1Record): unknown {
    if (!record.slowRead) return record.value;
    if (record.value instanceof Encoded) {
      // Decoded once, by its first reader, then kept as any other value; its size stays the one it was admitted with.
      const value = this.decodeValue(record.value.payload);
      record.value = value;
      record.slowRead = this.mutationSafe && freezeDecoded(value).cloneOnRead;
      if (!record.slowRead) return value;
    }
    return snapshot(record.value, 'copy').value;
  }

  /**
   * A value read from L2 and handed out without being kept here (an invalidation raced the read, or
   * it is only a stale fallback): protected as a kept copy would be, so a caller gets one shape
   * whatever the race. Nobody else holds it, so it is frozen in place.
   */
  handOut(entry: CacheEntry): unknown {
    if (this.mutationSafe) freezeDecoded(entry.value);
    return entry.value;
  }

  /**
   * A set's value, to keep as `payload` (the built-in serializer's text) until its first read:
   * measured now (`plainBytes`, when the serializer measured it), decoded then.
   */
  encoded(payload: string, value: unknown, plainBytes: number): Encoded {
    return new Encoded(payload, plainBytes >= 0 ? plainBytes : snapshot(value, 'measure').size);
  }

  /**
   * A record for an entry this process produced (a load or a set). Its value is the codec's shape of
   * what the caller gave, which nobody else holds, so it is frozen in place; or a set's `Encoded` text.
   */
  record(entry: CacheEntry, freshUntil: number, marks: readonly string[]): L1Record {
    const record = this.#record(entry, 0, freshUntil, marks, this.mutationSafe ? 'decoded' : 'measure');
    this.#judged(record, this.marks.judgeOwn(record.createdAt, marks, Date.now()));
    return record;
  }

  /** A record for an entry decoded from L2: nobody else holds it, so it is frozen in place. */
  decoded(entry: CacheEntry, rawLength: number, freshUntil: number, marks: readonly string[], now: number): L1Record {
    const record = this.#record(entry, rawLength, freshUntil, marks, this.mutationSafe ? 'decoded' : undefined);
    // Its marks were learned when it was read from L2.
    this.#judged(record, this.marks.judge(record.createdAt, marks, now));
    return record;
  }

  /**
   * `walk`: how to protect and measure the value. Every value reaching L1 was just decoded (an L2
   * fill, or a load's or a set's value read back through the serializer), so the mutation-safe mode
   * freezes it in place (`freezeDecoded`); the fast mode shares it as it is, measured (`snapshot`),
   * or, without a walk, its size guessed from `rawLength` (its L2 fills). Only the mutation-safe
   * mode copies on read.
   */
  #record(entry: CacheEntry, rawLength: number, freshUntil: number, marks: readonly string[], walk: 'measure' | 'decoded' | undefined): L1Record {
    const { value } = entry;
    let kept = value;
    let size;
    let slowRead = false;
    if (entry instanceof L1Record) {
      // A fail-safe fallback from L1: protected and measured already.
      size = entry.size;
      slowRead = entry.slowRead;
    } else if (value instanceof Encoded) {
      size = value.size;
      slowRead = true;
    } else if (walk === undefined) {
      size = serializedValueBytes(rawLength);
    } else {
      const snap = walk === 'decoded' ? freezeDecoded(value) : snapshot(value, walk);
      kept = snap.value;
      size = snap.size;
      slowRead = this.mutationSafe && snap.cloneOnRead;
    }
    return new L1Record(kept, entry.createdAt, entry.expiresAt, entry.tags, entry.loadMs ?? 0, freshUntil, size, slowRead, marks);
  }

  #judged(record: L1Record, judgement: Judgement): void {
    record.verdict = judgement.verdict;
    record.verdictUntil = judgement.until;
    record.checked = this.marks.version;
  }

  /**
   * Copies an entry read from L2 into L1 and returns the value to hand out. With grace the copy stays
   * on past expiry, as a stale fallback.
   */
  fill(key: string, read: FromL2, settings: EntryTimes, freshUntil = Math.min(Date.now() + settings.l1Ttl, read.entry.expiresAt)): unknown {
    const now = Date.now();
    const keepFor = Math.max(freshUntil, settings.grace > 0 ? read.entry.expiresAt + settings.grace : 0) - now;
    const record = this.decoded(read.entry, read.rawLength, freshUntil, read.marks, now);
    if (keepFor > 0 && freshUntil > now) this.#store(key, record, keepFor);
    return this.read(record);
  }

  /** After a failed or slow load, the fallback is served as fresh for a while, so retries are throttled. */
  throttle(key: string, fallback: FromL2, settings: EntryTimes & { failSafeThrottle: number }): void {
    if (settings.failSafeThrottle <= 0) return;
    const record = this.#tier.get(key);
    const freshUntil = Date.now() + settings.failSafeThrottle;
    if (record !== undefined && record.createdAt === fallback.entry.createdAt) {
      this.#store(key, record.withFreshUntil(freshUntil), settings.failSafeThrottle + settings.grace);
    } else {
      this.fill(key, fallback, settings, freshUntil);
    }
  }

  put(key: string, record: L1Record, ttlMs: number): void {
    if (ttlMs > 0) this.#store(key, record, ttlMs);
    else this.#tier.delete([key]);
  }

  /** Every write to L1 goes through the budget: it may make room in the key's own share, or refuse. */
  #store(key: string, record: L1Record, ttlMs: number): void {
    const victims = this.#budget.admit(key, record);
    if (victims === TOO_BIG) {
      this.#tier.delete([key]);
      return;
    }
    for (const victim of victims) {
      this.#tier.delete([victim]);
      this.#evicted(victim);
    }
    this.#tier.set(key, record, ttlMs);
  }

  delete(keys: readonly string[]): void {
    this.#tier.delete(keys);
  }

  deleteMatching(pattern: string): number {
    return this.#tier.deleteMatching(pattern);
  }

  clear(): void {
    this.#tier.clear();
  }

  async close(): Promise<void> {
    this.#tier.clear();
  }
}
