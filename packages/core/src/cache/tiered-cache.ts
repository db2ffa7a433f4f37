import { ErrorCode, TiercacheError, invalidArgument, loaderTimeout } from '../errors.js';
import { CacheEvents, emptyStats, type CacheStats, type TierName } from '../events/cache-events.js';
import { InvalidationBus, type BusMessage } from '../invalidation/bus.js';
import type { LockHandle } from '../locks/lock-provider.js';
import { RedisLockProvider } from '../locks/redis-lock-provider.js';
import { MarkStore, clearMarkKey, tagMarkKey, type InvalidationMode, type Verdict } from '../invalidation/marks.js';
import {
  NAMESPACE_SEPARATOR,
  buildKey,
  encodeName,
  escapeGlob,
  escapeRawPattern,
  limitKeyLength,
  type CacheKey,
} from '../keys/key-builder.js';
import { EntryCodec } from '../serialization/entry-codec.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import { globToRegExp } from '../tiers/glob.js';
import { MemoryTier } from '../tiers/memory-tier.js';
import { RedisTier, type RedisClient, type RedisHealth, type ScanProgress } from '../tiers/redis-tier.js';
import { ResilientTier } from '../tiers/resilient-tier.js';
import type { TierItem } from '../tiers/tier.js';
import { refreshAheadDue, xfetchDue } from '../stampede/early-refresh.js';
import { snapshot } from '../values/snapshot.js';
import {
  resolveEntryOptions,
  resolveOptions,
  resolveTags,
  type EntryOptions,
  type GetOrSetOptions,
  type ResolvedEntryOptions,
  type ResolvedOptions,
  type TieredCacheOptions,
  type WriteOptions,
} from './options.js';

export interface LoaderContext {
  /** The full key being loaded, prefix included. */
  readonly key: string;
  /**
   * Changes how the value being loaded is stored, once it is known: a TTL or tags that depend on
   * the value, or `{ ttl: 0, negativeTtl: 0 }` to return it without caching it.
   */
  setOptions(options: WriteOptions): void;
}

/** Produces the value for a missing key; its errors reach the caller unchanged. */
export type Loader<T> = (context: LoaderContext) => T | Promise<T>;

export interface SetManyItem<T = unknown> {
  key: CacheKey;
  value: T;
  options?: WriteOptions;
}

/** Counters plus the overall hit rate (0–1, or 0 before the first read). */
export interface CacheStatsSnapshot extends CacheStats {
  hitRate: number;
}

export interface InvalidateOptions {
  /** `hard` (default): the entries are gone. `soft`: they are only stale, usable as a fallback. */
  mode?: InvalidationMode;
}

/** How much of a background purge is done. */
export type PurgeProgress = ScanProgress;

/** Where a cache's entries and marks live: its key prefix and those of its parent namespaces. */
interface Scope {
  readonly prefix: string;
  /** Clear marks that apply to this namespace: its own and every ancestor's. */
  readonly clearMarks: readonly string[];
}

/** Entry options once resolved, with the tags that go with them. */
interface WriteSettings extends ResolvedEntryOptions {
  readonly tags: readonly string[];
}

/**
 * What L1 keeps per key. A class with every field set in the constructor keeps one object shape, so
 * the hit path reads fields from a fixed layout (a spread with fields added after it did not).
 */
class L1Record implements CacheEntry {
  /** `MarkStore.version` when `verdict` was last worked out (-1: not yet). */
  checked = -1;
  verdict: Verdict = 'fresh';

  constructor(
    readonly value: unknown,
    readonly createdAt: number,
    readonly expiresAt: number,
    readonly tags: readonly string[] | undefined,
    readonly loadMs: number,
    /** Until when this copy is served without asking L2 (at most `expiresAt`, except when fail-safe throttles). */
    readonly freshUntil: number,
    readonly size: number,
    readonly cloneOnRead: boolean,
    /** The marks that can invalidate this entry. */
    readonly marks: readonly string[],
  ) {}

  /** The same entry, served fresh until `freshUntil`. */
  withFreshUntil(freshUntil: number): L1Record {
    const copy = new L1Record(this.value, this.createdAt, this.expiresAt, this.tags, this.loadMs, freshUntil, this.size, this.cloneOnRead, this.marks);
    copy.checked = this.checked;
    copy.verdict = this.verdict;
    return copy;
  }
}

/** A hit, boxed so that a cached `undefined` is never mistaken for a miss. */
interface Found {
  readonly value: unknown;
}

/**
 * One L2 read (and, when `loads`, loader run) shared by every concurrent caller of a key. It may
 * answer its callers early (a stale value) and go on loading in the background; it stays in the
 * flight map until its work is done, so nobody starts a second load meanwhile.
 */
interface Flight {
  readonly promise: Promise<Found | undefined>;
  readonly loads: boolean;
  /** Set when the key is written or deleted meanwhile: the flight's result must not be stored. */
  invalidated: boolean;
}

/** Where an L1 copy stands: served as is, worth checking L2 for, or past its expiry. */
type L1State = 'fresh' | 'aged' | 'stale';

interface L2Read {
  readonly entry: CacheEntry;
  readonly rawLength: number;
  /** Expired (or soft-invalidated) but within the reader's grace. */
  readonly stale: boolean;
}

interface FlightRequest {
  readonly loader?: Loader<unknown>;
  readonly label?: string;
  readonly refreshOf?: number;
  /** A stale value the caller already has (from L1), for fail-safe. */
  readonly fallback?: Fallback;
}

/** How a flight answers its callers: once, possibly before its work is done. */
interface Reply {
  answer(found: Found | undefined): void;
  fail(error: unknown): void;
}

/** Resolves whether `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A process waiting for another's load gives up after this, and loads itself. */
const LOAD_LOCK_WAIT_MS = 10_000;

/** A value to fall back on while (or when) a load fails: the entry and how to hand it out. */
interface Fallback {
  readonly entry: CacheEntry;
  readonly value: () => unknown;
}

interface Prepared {
  readonly record: L1Record | undefined;
  readonly l1TtlMs: number;
  readonly l2Item: TierItem<string> | undefined;
  /** What callers get: the frozen L1 value in mutation-safe mode, else the value itself. */
  readonly value: unknown;
}

/** Marks outlive every entry they can invalidate: at least a day, and at least the longest TTL used. */
const MIN_MARK_RETENTION_MS = 24 * 60 * 60 * 1000;

/** State shared by a cache and all of its child namespaces. */
class CacheStack {
  readonly events = new CacheEvents();
  readonly stats = emptyStats();
  readonly l1: MemoryTier<L1Record> | undefined;
  readonly l2: ResilientTier | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly codec: EntryCodec;
  readonly marks = new MarkStore();
  readonly flights = new Map<string, Flight>();
  /** Fleet-wide single-flight: one loader run per key across every process sharing Redis. */
  readonly loadLocks: RedisLockProvider | undefined;
  readonly mutationSafe: boolean;
  /** Bumped by any invalidation; a bulk read that spans one does not fill L1. */
  epoch = 0;
  /** Bumped by invalidations wider than one key (clear, tags, patterns, a bus reconnection). */
  wideEpoch = 0;
  closed = false;
  #lastStamp = 0;
  #longestTtl = 0;
  #serializationWarned = false;

  constructor(readonly options: ResolvedOptions) {
    this.mutationSafe = options.l1 !== false && options.l1.mutationSafe;
    this.codec = new EntryCodec({
      serializer: options.serializer,
      compressAbove: options.l2 === false ? false : options.l2.compressAbove,
    });
    if (options.l1 !== false) {
      this.l1 = new MemoryTier<L1Record>({
        maxEntries: options.l1.maxEntries,
        maxBytes: options.l1.maxBytes,
        sizeOf: (record) => record.size,
        onEvict: (key) => {
          this.stats.evictions++;
          this.events.emit('eviction', { key });
        },
      });
    }
    if (options.l2 !== false) {
      const redis = new RedisTier(options.l2.redis);
      this.l2 = new ResilientTier(
        redis,
        { breaker: options.l2.breaker, maxPendingWrites: options.l2.maxPendingWrites },
        this.events,
        this.stats,
        options.logger,
      );
      // Per-key locks: no fence keys, which would accumulate one per cache key forever.
      this.loadLocks = new RedisLockProvider({ client: redis.client, keyPrefix: `tiercache:load:`, fencing: false });
      if (options.l2.bus && this.l1 !== undefined) {
        this.bus = new InvalidationBus(
          redis.client,
          `tiercache:bus:${options.prefix}`,
          { onMessage: (message) => this.#receive(message), onResubscribed: () => this.#distrust() },
          options.logger,
        );
      }
    }
  }

  /**
   * A strictly increasing time in ms: entries are stamped with it when their load starts and marks
   * when an invalidation happens, so in one process an entry written after an invalidation always
   * outlives it, even within the same millisecond.
   */
  stamp(): number {
    const now = Date.now();
    this.#lastStamp = now > this.#lastStamp ? now : this.#lastStamp + 0.001;
    return this.#lastStamp;
  }

  hit(key: string, tier: TierName, label?: string): void {
    if (tier === 'l1') this.stats.hitsL1++;
    else this.stats.hitsL2++;
    if (this.events.listenerCount('hit') > 0) this.events.emit('hit', { key, tier, label });
  }

  miss(key: string, label?: string): void {
    this.stats.misses++;
    if (this.events.listenerCount('miss') > 0) this.events.emit('miss', { key, label });
  }

  /** Where an L1 record stands; a record that an invalidation killed is dropped (undefined). */
  classify(key: string, record: L1Record, now: number): L1State | undefined {
    if (record.checked !== this.marks.version) {
      record.verdict = this.marks.verdict(record.createdAt, record.marks);
      record.checked = this.marks.version;
      if (record.verdict === 'dead') {
        this.l1!.delete([key]);
        return undefined;
      }
    }
    if (record.verdict === 'stale') return 'stale';
    if (now < record.freshUntil) return 'fresh';
    return now < record.expiresAt ? 'aged' : 'stale';
  }

  /** The fresh L1 record for `key`, if any. */
  fresh(key: string): L1Record | undefined {
    const now = Date.now();
    const record = this.l1?.get(key, now);
    return record !== undefined && this.classify(key, record, now) === 'fresh' ? record : undefined;
  }

  staleServed(key: string, reason: 'grace' | 'fail-safe' | 'timeout', label?: string): void {
    this.stats.staleServes++;
    this.events.emit('stale', { key, reason, label });
  }

  /** Whether a fresh hit should also refresh in the background (refresh-ahead or XFetch). */
  refreshDue(entry: CacheEntry, settings: ResolvedEntryOptions, now: number): boolean {
    return (
      refreshAheadDue(now, entry.createdAt, entry.expiresAt, settings.refreshAhead) ||
      xfetchDue(now, entry.expiresAt, entry.loadMs ?? 0, settings.earlyRefreshBeta, Math.random)
    );
  }

  read(record: L1Record): unknown {
    return record.cloneOnRead ? snapshot(record.value, 'copy').value : record.value;
  }

  marksOf(scope: Scope, tags: readonly string[] | undefined): readonly string[] {
    return tags === undefined || tags.length === 0
      ? scope.clearMarks
      : [...scope.clearMarks, ...tags.map((tag) => tagMarkKey(scope.prefix, tag))];
  }

  /** Fetches from L2 the marks this process doesn't know yet, so an L2 entry can be judged. */
  async learnMarks(keys: readonly string[]): Promise<void> {
    const unknown = keys.filter((key) => !this.marks.has(key));
    if (unknown.length === 0 || this.l2 === undefined) return;
    const marks = await this.l2.readMarks(unknown);
    marks?.forEach((mark, i) => this.marks.merge(unknown[i]!, mark));
  }

  /** Decodes an L2 value; a malformed entry is counted and reads as a miss, one past its grace too. */
  decode(key: string, raw: string, now: number, grace: number, report = true): CacheEntry | undefined {
    const entry = this.codec.decode(raw);
    if (typeof entry === 'string') {
      if (report) {
        this.stats.malformed++;
        this.events.emit('malformed', { key, reason: entry });
      }
      return undefined;
    }
    return entry.expiresAt + grace > now ? entry : undefined;
  }

  /**
   * Reads entries from L2: fresh ones, and with `grace` stale ones (expired or soft-invalidated)
   * marked as such. Malformed, hard-invalidated and too old entries read as misses.
   */
  async readL2(scope: Scope, keys: readonly string[], grace: number, report = true): Promise<(L2Read | undefined)[]> {
    if (this.l2 === undefined) return keys.map(() => undefined);
    const raws = await this.l2.getMany(keys);
    const now = Date.now();
    const entries = raws.map((raw, i) => (raw === undefined ? undefined : this.decode(keys[i]!, raw, now, grace, report)));
    await this.learnMarks(entries.flatMap((entry) => (entry === undefined ? [] : this.marksOf(scope, entry.tags))));
    return entries.map((entry, i) => (entry === undefined ? undefined : this.#judge(scope, entry, raws[i]!.length, grace, now)));
  }

  /** `readL2` for one key, without the arrays: the path of every L2 hit. */
  async readOne(scope: Scope, key: string, grace: number, report = true): Promise<L2Read | undefined> {
    if (this.l2 === undefined) return undefined;
    const raw = await this.l2.get(key);
    if (raw === undefined) return undefined;
    const now = Date.now();
    const entry = this.decode(key, raw, now, grace, report);
    if (entry === undefined) return undefined;
    const marks = this.marksOf(scope, entry.tags);
    if (!marks.every((mark) => this.marks.has(mark))) await this.learnMarks(marks);
    return this.#judge(scope, entry, raw.length, grace, now);
  }

  #judge(scope: Scope, entry: CacheEntry, rawLength: number, grace: number, now: number): L2Read | undefined {
    const verdict = this.marks.verdict(entry.createdAt, this.marksOf(scope, entry.tags));
    if (verdict === 'dead') return undefined;
    const stale = verdict === 'stale' || entry.expiresAt <= now;
    return stale && grace <= 0 ? undefined : { entry, rawLength, stale };
  }

  /** Copies a fresh L2 entry into L1 and returns the value to hand out. */
  fillL1(
    scope: Scope,
    key: string,
    entry: CacheEntry,
    rawLength: number,
    settings: ResolvedEntryOptions,
    freshUntil = Math.min(Date.now() + settings.l1Ttl, entry.expiresAt),
  ): unknown {
    if (this.l1 === undefined) return entry.value;
    const now = Date.now();
    // With grace the copy stays on past expiry, as a stale fallback.
    const keepFor = Math.max(freshUntil, settings.grace > 0 ? entry.expiresAt + settings.grace : 0) - now;
    // A freshly decoded value is ours alone: freezing it in place protects it without a copy.
    const snap = this.mutationSafe ? snapshot(entry.value, 'freeze') : undefined;
    const record = new L1Record(
      snap ? snap.value : entry.value,
      entry.createdAt,
      entry.expiresAt,
      entry.tags,
      entry.loadMs ?? 0,
      freshUntil,
      snap ? snap.size : rawLength * 2,
      snap ? snap.cloneOnRead : false,
      this.marksOf(scope, entry.tags),
    );
    // Its marks were checked when it was read from L2.
    record.checked = this.marks.version;
    if (keepFor > 0 && freshUntil > now) this.l1.set(key, record, keepFor);
    return this.read(record);
  }

  /** After a failed or slow load, L1 serves the fallback as fresh for a while, so retries are throttled. */
  throttle(scope: Scope, key: string, fallback: Fallback, settings: ResolvedEntryOptions): void {
    if (this.l1 === undefined || settings.failSafeThrottle <= 0) return;
    const record = this.l1.get(key);
    const freshUntil = Date.now() + settings.failSafeThrottle;
    if (record !== undefined && record.createdAt === fallback.entry.createdAt) {
      this.l1.set(key, record.withFreshUntil(freshUntil), settings.failSafeThrottle + settings.grace);
    } else {
      this.fillL1(scope, key, fallback.entry, 0, settings, freshUntil);
    }
  }

  /**
   * Validates and encodes before anything is written, so a value that cannot be cached throws
   * E_SERIALIZATION and leaves the old entry in place. Returns undefined when the options say the
   * value must not be cached (a zero TTL).
   */
  prepare(
    scope: Scope,
    key: string,
    value: unknown,
    settings: WriteSettings,
    createdAt: number,
    loadMs = 0,
  ): Prepared | undefined {
    let ttl = value === null || value === undefined ? settings.negativeTtl : settings.ttl;
    if (ttl <= 0) return undefined;
    if (settings.jitter > 0) ttl = Math.max(1, Math.round(ttl * (1 - settings.jitter * Math.random())));
    const retained = ttl + settings.grace;
    if (retained > this.#longestTtl) this.#longestTtl = retained;
    const tags = settings.tags.length > 0 ? settings.tags : undefined;
    const now = Date.now();
    // createdAt is when the load began (what invalidations compare against); the TTL runs from now,
    // so a load slower than its TTL still stores a fresh value.
    const entry: CacheEntry = { value, createdAt, expiresAt: now + ttl, tags, loadMs };
    const freshUntil = Math.min(now + settings.l1Ttl, entry.expiresAt);
    let record: L1Record | undefined;
    if (this.l1 !== undefined) {
      const snap = snapshot(value, this.mutationSafe ? 'copy' : 'measure');
      record = new L1Record(snap.value, createdAt, entry.expiresAt, tags, loadMs, freshUntil, snap.size, snap.cloneOnRead, this.marksOf(scope, tags));
    }
    const l2Item = this.l2 === undefined ? undefined : { key, value: this.codec.encode(entry), ttlMs: entry.expiresAt + settings.grace - now };
    return {
      record,
      l1TtlMs: (settings.grace > 0 ? entry.expiresAt + settings.grace : freshUntil) - now,
      l2Item,
      value: record === undefined ? value : this.read(record),
    };
  }

  /**
   * `announce`: tell other instances to drop their L1 copies. A loaded value needn't: an L1 copy
   * never outlives the L2 entry it came from, so nobody holds an older copy of a key that missed.
   */
  async write(items: readonly { key: string; prepared: Prepared | undefined }[], announce: boolean): Promise<void> {
    const l2Items: TierItem<string>[] = [];
    const dropped: string[] = [];
    const written: string[] = [];
    for (const { key, prepared } of items) {
      if (prepared === undefined) {
        dropped.push(key);
        continue;
      }
      written.push(key);
      if (this.l1 !== undefined && prepared.record !== undefined) {
        if (prepared.l1TtlMs > 0) this.l1.set(key, prepared.record, prepared.l1TtlMs);
        else this.l1.delete([key]);
      }
      if (prepared.l2Item !== undefined) l2Items.push(prepared.l2Item);
    }
    this.stats.sets += written.length;
    await Promise.all([
      l2Items.length > 0 ? this.l2?.setMany(l2Items, Date.now()) : undefined,
      dropped.length > 0 ? this.remove(dropped) : undefined,
    ]);
    if (announce && written.length > 0) await this.publish({ op: 'keys', keys: written });
    if (this.events.listenerCount('set') > 0) for (const key of written) this.events.emit('set', { key });
  }

  /** Marks concurrent flights stale so that a result read or loaded before this change is not stored. */
  invalidate(keys: readonly string[]): void {
    this.epoch++;
    for (const key of keys) {
      const flight = this.flights.get(key);
      if (flight !== undefined) flight.invalidated = true;
    }
  }

  invalidateWide(): void {
    this.epoch++;
    this.wideEpoch++;
  }

  async remove(keys: readonly string[]): Promise<void> {
    this.invalidate(keys);
    this.l1?.delete(keys);
    await this.l2?.delete(keys);
    await this.publish({ op: 'keys', keys });
    this.stats.deletes += keys.length;
    if (this.events.listenerCount('delete') > 0) for (const key of keys) this.events.emit('delete', { key });
  }

  /** Records invalidation marks here, in L2 (kept for replay if L2 is away) and on every other instance. */
  async mark(keys: readonly string[], mode: InvalidationMode): Promise<void> {
    const at = this.stamp();
    for (const key of keys) this.marks.apply(key, mode, at);
    this.invalidateWide();
    await this.l2?.writeMarks(keys, mode, at, Math.max(MIN_MARK_RETENTION_MS, this.#longestTtl * 2));
    await this.publish({ op: 'marks', keys, mode, at });
  }

  async removeMatching(pattern: string): Promise<number> {
    this.invalidateWide();
    const fromL1 = (await this.l1?.deleteMatching(pattern)) ?? 0;
    const fromL2 = (await this.l2?.deleteMatching(pattern)) ?? 0;
    await this.publish({ op: 'pattern', pattern });
    return this.l2 === undefined ? fromL1 : fromL2;
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.bus === undefined) return;
    try {
      await this.bus.publish(message);
    } catch (error) {
      // Instances that miss this keep their L1 copy until it expires, the usual bound of a lost message.
      this.stats.errors++;
      this.events.emit('fault', { tier: 'l2', operation: 'publish', error });
    }
  }

  #receive(message: BusMessage): void {
    switch (message.op) {
      case 'keys':
        this.invalidate(message.keys);
        this.l1?.delete(message.keys);
        break;
      case 'marks':
        this.invalidateWide();
        for (const key of message.keys) this.marks.apply(key, message.mode, message.at);
        break;
      case 'pattern':
        this.invalidateWide();
        void this.l1?.deleteMatching(message.pattern);
        break;
    }
    this.events.emit('remote', { op: message.op });
  }

  /** After a bus reconnection: messages may have been lost, so nothing in L1 can be trusted. */
  #distrust(): void {
    this.invalidateWide();
    this.marks.flush();
    this.l1?.clear();
    this.events.emit('remote', { op: 'resync' });
  }

  /**
   * Starts the one flight for `key`. Without a loader it only reads L2. A flight with `refreshOf`
   * refreshes in the background an entry created at that time: it has no caller waiting, and
   * ignores an L2 entry no newer than the one it refreshes.
   */
  startFlight(scope: Scope, key: string, settings: WriteSettings, request: FlightRequest = {}): Flight {
    let answered = false;
    let resolveAnswer!: (found: Found | undefined) => void;
    let rejectAnswer!: (error: unknown) => void;
    const promise = new Promise<Found | undefined>((resolve, reject) => ((resolveAnswer = resolve), (rejectAnswer = reject)));
    promise.catch(() => undefined); // a background refresh may have nobody listening
    const reply: Reply = {
      answer: (found) => void (answered || ((answered = true), resolveAnswer(found))),
      fail: (error) => void (answered || ((answered = true), rejectAnswer(error))),
    };
    const flight: Flight = { promise, loads: request.loader !== undefined, invalidated: false };
    this.flights.set(key, flight);
    // The flight leaves the map before its final answer, so a caller looping on flights never finds it again.
    const land = () => this.flights.get(key) === flight && this.flights.delete(key);
    this.#fly(scope, key, flight, settings, request, reply).then(
      (found) => (land(), reply.answer(found)),
      (error: unknown) => (land(), reply.fail(error)),
    );
    return flight;
  }

  /** Refreshes `key` in the background, unless a flight for it is already under way. */
  refresh(scope: Scope, key: string, settings: WriteSettings, loader: Loader<unknown>, label: string | undefined, record: L1Record): void {
    if (this.flights.has(key)) return;
    const fallback = { entry: record, value: () => this.read(record) };
    this.startFlight(scope, key, settings, { loader, label, refreshOf: record.createdAt, fallback });
  }

  async #fly(scope: Scope, key: string, flight: Flight, settings: WriteSettings, request: FlightRequest, reply: Reply): Promise<Found | undefined> {
    const { loader, label, refreshOf } = request;
    const background = refreshOf !== undefined;
    const wideEpoch = this.wideEpoch;
    const current = (): boolean => !flight.invalidated && wideEpoch === this.wideEpoch;
    // The entry's creation time is when its load began: an invalidation after that kills it.
    const startedAt = this.stamp();
    const found = await this.readOne(scope, key, loader === undefined ? 0 : settings.grace);
    if (found !== undefined && !found.stale && !(background && found.entry.createdAt <= refreshOf)) {
      if (!background) this.hit(key, 'l2', label);
      // An invalidation that arrived while Redis answered wins: serve the answer, don't keep it.
      return { value: current() ? this.fillL1(scope, key, found.entry, found.rawLength, settings) : found.entry.value };
    }
    if (loader === undefined) {
      this.miss(key, label);
      return undefined;
    }
    const fromL2: Fallback | undefined = found?.stale ? { entry: found.entry, value: () => found.entry.value } : undefined;
    const fallback = request.fallback !== undefined && (fromL2 === undefined || request.fallback.entry.createdAt >= fromL2.entry.createdAt) ? request.fallback : fromL2;
    if (!background) {
      if (fallback === undefined) {
        this.miss(key, label);
      } else {
        // Stale-while-revalidate: the callers get the stale value now, the load goes on.
        this.staleServed(key, 'grace', label);
        reply.answer({ value: fallback.value() });
      }
    }

    let lock: LockHandle | undefined;
    if (settings.distributed && this.loadLocks !== undefined && this.l2?.available) {
      const locked = await this.#lockLoad(scope, key, label);
      if (locked.found !== undefined) {
        return { value: current() ? this.fillL1(scope, key, locked.found.entry, locked.found.rawLength, settings) : locked.found.entry.value };
      }
      lock = locked.lock;
    }

    let stored = settings;
    const context: LoaderContext = {
      key,
      setOptions: (changes) => {
        stored = {
          ...resolveEntryOptions(changes, stored, 'setOptions.'),
          tags: changes.tags === undefined ? stored.tags : resolveTags(changes.tags, 'setOptions.tags'),
        };
      },
    };
    const loadStarted = performance.now();
    // Stored before the lock is released, so processes waiting on the lock find the value.
    const loading = this.#runLoader(context, loader, label)
      .then(async (value): Promise<Found> => {
        if (!current()) return { value };
        return { value: await this.#store(scope, key, value, stored, startedAt, performance.now() - loadStarted) };
      })
      .finally(() => lock?.release().catch(() => undefined));
    loading.catch(() => undefined); // observed below, or on purpose not at all once a timeout answered

    try {
      const { softTimeout, hardTimeout } = settings;
      if (fallback !== undefined && softTimeout > 0 && (hardTimeout === 0 || softTimeout < hardTimeout)) {
        if (!(await settlesWithin(loading, softTimeout))) {
          this.staleServed(key, 'timeout', label);
          reply.answer({ value: fallback.value() });
        }
      }
      if (hardTimeout > 0 && !(await settlesWithin(loading, hardTimeout - (performance.now() - loadStarted)))) {
        throw loaderTimeout(key, hardTimeout);
      }
      return await loading;
    } catch (error) {
      if (fallback === undefined) throw error;
      // Fail-safe: the stale value again, and no new attempt until the throttle has passed.
      this.throttle(scope, key, fallback, settings);
      if (!background) this.staleServed(key, 'fail-safe', label);
      reply.answer({ value: fallback.value() });
      await loading.catch(() => undefined);
      return undefined;
    }
  }

  /**
   * Takes the fleet-wide load lock for `key`, or waits for the process holding it (woken when it
   * releases, right after storing) and returns what it stored. Lock trouble never fails a read:
   * the caller then loads without the lock.
   */
  async #lockLoad(scope: Scope, key: string, label?: string): Promise<{ lock?: LockHandle; found?: L2Read }> {
    const resource = `@${key}`;
    try {
      const ttlMs = this.options.l2 === false ? 0 : this.options.l2.loadLockTtl;
      let lock = await this.loadLocks!.tryAcquire(resource, { ttlMs });
      if (lock === undefined) {
        const waitStarted = performance.now();
        lock = await this.loadLocks!.acquire(resource, { ttlMs, waitMs: Math.max(LOAD_LOCK_WAIT_MS, ttlMs * 2) });
        this.events.emit('lock:wait', { key, durationMs: performance.now() - waitStarted, label });
      }
      // Whoever held the lock may have stored the value just before we got it (a second look at a
      // malformed entry is not a second malformed entry).
      const found = await this.readOne(scope, key, 0, false);
      if (found === undefined) return { lock };
      await lock.release();
      this.hit(key, 'l2', label);
      return { found };
    } catch (error) {
      this.stats.errors++;
      this.events.emit('fault', { tier: 'l2', operation: 'loadLock', error, key });
      return {};
    }
  }

  async #runLoader(context: LoaderContext, loader: Loader<unknown>, label?: string): Promise<unknown> {
    const { key } = context;
    const started = performance.now();
    this.stats.loads++;
    try {
      const value = await loader(context);
      this.events.emit('load', { key, durationMs: performance.now() - started, label });
      return value;
    } catch (error) {
      this.stats.loadErrors++;
      this.events.emit('load', { key, durationMs: performance.now() - started, error, label });
      throw error;
    }
  }

  /** Stores a loaded value; one that cannot be cached is still returned, and the problem reported. */
  async #store(scope: Scope, key: string, value: unknown, settings: WriteSettings, createdAt: number, loadMs: number): Promise<unknown> {
    let prepared: Prepared | undefined;
    try {
      prepared = this.prepare(scope, key, value, settings, createdAt, loadMs);
    } catch (error) {
      this.stats.errors++;
      this.events.emit('fault', { operation: 'serialize', error, key });
      if (!this.#serializationWarned) {
        this.#serializationWarned = true;
        this.options.logger.warn(`Tiercache: a loader for "${key}" returned a value that cannot be cached: ${(error as Error).message}`);
      }
      return value;
    }
    await this.write([{ key, prepared }], false);
    return prepared === undefined ? value : prepared.value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loadLocks?.close();
    await this.bus?.close();
    await this.l2?.close();
    await this.l1?.close();
  }
}

let adopting: { stack: CacheStack; scope: Scope; defaults: ResolvedEntryOptions } | undefined;

/**
 * A multi-tier cache: an in-process LRU (L1) over Redis (L2), with single-flight loading, negative
 * caching, tags, invalidation across instances, and Redis failures kept away from callers.
 *
 * @example
 * const cache = new TieredCache({ namespace: 'app', ttl: 60_000, l2: { redis: 'redis://localhost:6379' } });
 * const agent = await cache.getOrSet(['agent', id], () => db.findAgent(id), { tags: [`agent:${id}`] });
 * await cache.invalidateTags([`agent:${id}`]);
 */
export class TieredCache {
  readonly events: CacheEvents;
  readonly #stack: CacheStack;
  readonly #scope: Scope;
  readonly #defaults: ResolvedEntryOptions;

  constructor(options: TieredCacheOptions = {}) {
    if (adopting !== undefined) {
      ({ stack: this.#stack, scope: this.#scope, defaults: this.#defaults } = adopting);
      adopting = undefined;
    } else {
      const resolved = resolveOptions(options);
      this.#stack = new CacheStack(resolved);
      this.#scope = { prefix: resolved.prefix, clearMarks: [clearMarkKey(resolved.prefix)] };
      this.#defaults = resolved.defaults;
    }
    this.events = this.#stack.events;
  }

  /** The Redis client of L2 (yours or the one Tiercache created), for health checks; undefined without L2. */
  get redisClient(): RedisClient | undefined {
    return (this.#stack.l2?.inner as RedisTier | undefined)?.client;
  }

  /** The prefix of every key of this cache (namespace, version and child namespaces). */
  get prefix(): string {
    return this.#scope.prefix;
  }

  /** The full key a user key maps to in every tier. */
  keyFor(key: CacheKey): string {
    if (this.#stack.closed) throw new TiercacheError(ErrorCode.Closed, 'This cache was closed; create a new one.');
    return limitKeyLength(this.#scope.prefix, buildKey(key), this.#stack.options.maxKeyLength);
  }

  /**
   * Returns the cached value, or runs `loader` once for all concurrent callers of this key in this
   * process, stores its result and returns it. The loader's errors reach every waiting caller.
   */
  async getOrSet<T>(key: CacheKey, loader: Loader<T>, options?: GetOrSetOptions): Promise<T> {
    const fullKey = this.keyFor(key);
    const stack = this.#stack;
    const now = Date.now();
    const record = stack.l1?.get(fullKey, now);
    // The hit path: no allocation, one clock read, fields of one fixed shape.
    const state = record === undefined ? undefined : stack.classify(fullKey, record, now);
    const label = options?.label;
    if (state === 'fresh') {
      stack.hit(fullKey, 'l1', label);
      // Early refresh is opt-in: the common hit resolves no options at all.
      if ((options?.refreshAhead ?? this.#defaults.refreshAhead) > 0 || (options?.earlyRefreshBeta ?? this.#defaults.earlyRefreshBeta) > 0) {
        const settings = this.#settings(options, 'options.');
        if (stack.refreshDue(record!, settings, now)) {
          stack.refresh(this.#scope, fullKey, settings, loader as Loader<unknown>, label, record!);
        }
      }
      return (record!.cloneOnRead ? stack.read(record!) : record!.value) as T;
    }
    if (typeof loader !== 'function') throw invalidArgument('loader', 'expected a function');
    const settings = this.#settings(options, 'options.');
    if (state === 'stale' && settings.grace > 0 && now < record!.expiresAt + settings.grace) {
      // Stale-while-revalidate from L1: answer now, refresh once in the background.
      stack.refresh(this.#scope, fullKey, settings, loader as Loader<unknown>, label, record!);
      stack.staleServed(fullKey, 'grace', label);
      return stack.read(record!) as T;
    }
    for (;;) {
      const flight = stack.flights.get(fullKey);
      if (flight === undefined) break;
      const joined = await flight.promise;
      // A read-only flight that missed has left the map, so the next pass starts the load.
      if (joined !== undefined) return joined.value as T;
    }
    const flight = stack.startFlight(this.#scope, fullKey, settings, { loader: loader as Loader<unknown>, label });
    return (await flight.promise)!.value as T;
  }

  /** The cached value, or undefined on a miss (use `has` or `getMany` to tell a cached undefined apart). */
  async get<T>(key: CacheKey, options?: EntryOptions): Promise<T | undefined> {
    return (await this.#find(this.keyFor(key), options))?.value as T | undefined;
  }

  async has(key: CacheKey): Promise<boolean> {
    return (await this.#find(this.keyFor(key), undefined)) !== undefined;
  }

  /** Found entries only, keyed by the key as given (parts are keyed by their built string). */
  async getMany<T>(keys: readonly CacheKey[], options?: EntryOptions): Promise<Map<string, T>> {
    const stack = this.#stack;
    const resolved = resolveEntryOptions(options, this.#defaults, 'options.');
    const found = new Map<string, T>();
    const missing: { userKey: string; fullKey: string }[] = [];
    for (const key of keys) {
      const userKey = typeof key === 'string' ? key : buildKey(key);
      const fullKey = this.keyFor(key);
      const record = stack.fresh(fullKey);
      if (record === undefined) {
        missing.push({ userKey, fullKey });
      } else {
        stack.hit(fullKey, 'l1');
        found.set(userKey, stack.read(record) as T);
      }
    }
    if (missing.length === 0) return found;
    const epoch = stack.epoch;
    const entries = await stack.readL2(this.#scope, missing.map((item) => item.fullKey), 0);
    missing.forEach(({ userKey, fullKey }, i) => {
      const hit = entries[i];
      if (hit === undefined) return stack.miss(fullKey);
      stack.hit(fullKey, 'l2');
      const value =
        epoch === stack.epoch ? stack.fillL1(this.#scope, fullKey, hit.entry, hit.rawLength, resolved) : hit.entry.value;
      found.set(userKey, value as T);
    });
    return found;
  }

  /** Stores `value` in every tier. Throws E_SERIALIZATION, leaving the old entry intact, if it cannot be cached. */
  async set<T>(key: CacheKey, value: T, options?: WriteOptions): Promise<void> {
    await this.setMany([{ key, value, options }]);
  }

  /** Validates every item first: if one cannot be cached, nothing is written. L2 writes are pipelined. */
  async setMany(items: readonly SetManyItem[]): Promise<void> {
    if (!Array.isArray(items)) throw invalidArgument('items', 'expected an array of { key, value, options? }');
    const stack = this.#stack;
    const prepared = items.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw invalidArgument(`items[${i}]`, 'expected { key, value, options? }');
      const key = this.keyFor(item.key);
      const settings = this.#settings(item.options, `items[${i}].options.`);
      return { key, prepared: stack.prepare(this.#scope, key, item.value, settings, stack.stamp()) };
    });
    stack.invalidate(prepared.map((item) => item.key));
    await stack.write(prepared, true);
  }

  async delete(key: CacheKey): Promise<void> {
    await this.#stack.remove([this.keyFor(key)]);
  }

  async deleteMany(keys: readonly CacheKey[]): Promise<void> {
    if (!Array.isArray(keys)) throw invalidArgument('keys', 'expected an array of keys');
    await this.#stack.remove(keys.map((key) => this.keyFor(key)));
  }

  /**
   * Invalidates every entry of this namespace carrying any of `tags`, in every tier and on every
   * instance. One write per tag, however many entries carry it.
   */
  async invalidateTags(tags: readonly string[], options: InvalidateOptions = {}): Promise<void> {
    this.keyFor('tags');
    const list = resolveTags(tags, 'tags');
    const mode = options.mode ?? 'hard';
    if (mode !== 'hard' && mode !== 'soft') throw invalidArgument('mode', "expected 'hard' or 'soft'");
    if (list.length > 0) await this.#stack.mark(list.map((tag) => tagMarkKey(this.#scope.prefix, tag)), mode);
  }

  /**
   * Removes every entry of this namespace (and its child namespaces) from every tier and instance.
   * A clear mark makes them unreachable at once, so no read racing with the clear can bring one
   * back; then L1 and Redis are emptied (SCAN + UNLINK, never KEYS).
   */
  async clear(): Promise<void> {
    this.keyFor('clear');
    const pattern = `${escapeGlob(this.#scope.prefix)}*`;
    await this.#stack.mark([clearMarkKey(this.#scope.prefix)], 'hard');
    await this.#stack.removeMatching(pattern);
    this.events.emit('clear', { prefix: this.#scope.prefix });
  }

  /**
   * Deletes the keys of this namespace matching a Redis glob, written as your keys are
   * (`'tasks:agent:42:*'`), from L2 (SCAN + UNLINK in batches) and from every instance's L1.
   * Returns how many were deleted (from L2 when there is one).
   */
  async deleteByPattern(pattern: string): Promise<number> {
    if (typeof pattern !== 'string' || pattern.length === 0) throw invalidArgument('pattern', 'expected a non-empty glob');
    this.keyFor('pattern');
    return this.#stack.removeMatching(`${escapeGlob(this.#scope.prefix)}${escapeRawPattern(pattern)}`);
  }

  /**
   * After `version` changed, deletes from Redis the keys of this namespace written under any other
   * version, in the background (SCAN + UNLINK), reporting progress. Entries of other versions are
   * unreachable already; this only frees their memory.
   */
  async purgeOtherVersions(onProgress?: (progress: PurgeProgress) => void): Promise<PurgeProgress> {
    const { version, namespace } = this.#stack.options;
    if (version === undefined) throw invalidArgument('purgeOtherVersions', 'this cache has no `version` option');
    const redis = this.#stack.l2?.inner;
    if (redis === undefined) return { scanned: 0, deleted: 0 };
    const root = `${encodeName(namespace)}:`;
    const current = `${root}v${encodeName(version)}:`;
    const otherVersion = globToRegExp(`${escapeGlob(root)}v*:*`);
    return redis.scanDelete(`${escapeGlob(root)}v*`, (key) => otherVersion.test(key) && !key.startsWith(current), onProgress);
  }

  /**
   * A view of this cache under a child prefix, sharing its tiers and connections. `defaults`
   * override this cache's entry options for the child.
   */
  namespace(name: string, defaults?: EntryOptions): TieredCache {
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('namespace name', 'expected a non-empty string');
    const prefix = `${this.#scope.prefix}${encodeName(name)}${NAMESPACE_SEPARATOR}`;
    adopting = {
      stack: this.#stack,
      scope: { prefix, clearMarks: [...this.#scope.clearMarks, clearMarkKey(prefix)] },
      defaults: resolveEntryOptions(defaults, this.#defaults, 'defaults.'),
    };
    return new TieredCache();
  }

  stats(): CacheStatsSnapshot {
    const stats = this.#stack.stats;
    const reads = stats.hitsL1 + stats.hitsL2 + stats.misses;
    return { ...stats, hitRate: reads === 0 ? 0 : (stats.hitsL1 + stats.hitsL2) / reads };
  }

  /** L1 fill level and L2 state, for health checks. */
  status(): {
    l1?: { entries: number; bytes: number; maxEntries: number; maxBytes: number };
    l2?: { connected: boolean; breakerOpen: boolean; pendingWrites: number };
  } {
    const { l1, l2, options } = this.#stack;
    return {
      l1:
        l1 && options.l1
          ? { entries: l1.size, bytes: l1.bytes, maxEntries: options.l1.maxEntries, maxBytes: options.l1.maxBytes }
          : undefined,
      l2: l2 ? { connected: l2.inner.isReady(), breakerOpen: l2.breakerOpen, pendingWrites: l2.pendingWrites } : undefined,
    };
  }

  /**
   * PING and INFO memory on every Redis node behind L2 (and CLUSTER INFO on a cluster), each bounded
   * by `timeoutMs`, for health checks. Never throws; undefined without L2.
   */
  async l2Health(timeoutMs = 1_000): Promise<RedisHealth | undefined> {
    const redis = this.#stack.l2?.inner;
    return redis instanceof RedisTier ? redis.health(timeoutMs) : undefined;
  }

  /**
   * Resolves true once L2 is usable and the invalidation bus subscribed; false as soon as a
   * connection attempt fails, or after `timeoutMs` (the cache works meanwhile, without them).
   * Never throws.
   */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    const { l2, bus } = this.#stack;
    const deadline = Date.now() + timeoutMs;
    const up = () => l2 === undefined || (l2.available && (bus === undefined || bus.subscribed));
    const worthWaiting = () => l2 !== undefined && (l2.inner.isConnecting() || l2.available);
    while (!up() && worthWaiting() && Date.now() < deadline && !this.#stack.closed) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return up();
  }

  /** Closes the connections this cache created (never a client you passed in). Idempotent. */
  async close(): Promise<void> {
    await this.#stack.close();
  }

  #settings(options: WriteOptions | undefined, path: string): WriteSettings {
    return { ...resolveEntryOptions(options, this.#defaults, path), tags: resolveTags(options?.tags, `${path}tags`) };
  }

  async #find(fullKey: string, options: EntryOptions | undefined): Promise<Found | undefined> {
    const stack = this.#stack;
    const record = stack.fresh(fullKey);
    if (record !== undefined) {
      stack.hit(fullKey, 'l1');
      return { value: stack.read(record) };
    }
    const flight = stack.flights.get(fullKey) ?? stack.startFlight(this.#scope, fullKey, this.#settings(options, 'options.'));
    return flight.promise;
  }
}
