import type { Clock } from '../cache/clock.js';
import type { ResolvedEntryOptions } from '../cache/options.js';
import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { Announcer } from '../invalidation/announcer.js';
import type { Epochs } from '../invalidation/epochs.js';
import type { L1Record, L1Store } from '../read/l1-store.js';
import { encodeTombstone, type EntryCodec } from '../serialization/entry-codec.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import { TOMBSTONE_MS } from '../tiers/outage-queue.js';
import type { LockRelease, RemoteWrite } from '../tiers/remote-tier.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';

const done = (): void => undefined;

/** Entry options once resolved, with the tags that go with them. */
export interface WriteSettings extends ResolvedEntryOptions {
  readonly tags: readonly string[];
}

/** A value validated and encoded for every tier, before anything is written. */
export interface Prepared {
  readonly record: L1Record | undefined;
  readonly l1TtlMs: number;
  readonly l2Item: RemoteWrite | undefined;
  /** What a load's callers get: the value as L2 would return it (frozen, in mutation-safe mode); undefined for a set. */
  readonly value: unknown;
}

export interface PreparedItem {
  readonly key: string;
  readonly prepared: Prepared | undefined;
}

/**
 * Puts values into the tiers and takes them out. A delete leaves a tombstone, and the write of a
 * loaded value is conditional on its creation time (see `writeIfNewerScript`), so a load that began
 * before another instance's write or delete never lands over it. The user's own writes and deletes
 * land in the order they are made, stamped with Redis's time, and only in time (see
 * `writeInTimeScript`): one a hung link delivers after its caller gave up is refused. They are
 * announced to the other instances in the same round trip as the write.
 */
export class Writer {
  constructor(
    private readonly l1: L1Store | undefined,
    private readonly l2: ResilientTier | undefined,
    private readonly codec: EntryCodec,
    private readonly epochs: Epochs,
    private readonly announcer: Announcer,
    private readonly telemetry: Telemetry,
    private readonly clock: Clock,
  ) {}

  /**
   * Validates and encodes, so a value that cannot be cached throws E_SERIALIZATION and leaves the
   * old entry in place. Returns undefined when the options say the value must not be cached (a zero TTL).
   * `load`: a loaded value, which its callers get back; a set's is read back only when first read.
   */
  prepare(scope: Scope, key: string, value: unknown, settings: WriteSettings, createdAt: number, load?: { loadMs: number }): Prepared | undefined {
    let ttl = value === null || value === undefined ? settings.negativeTtl : settings.ttl;
    if (ttl <= 0) return undefined;
    if (settings.jitter > 0) ttl = Math.max(1, Math.round(ttl * (1 - settings.jitter * Math.random())));
    const tags = settings.tags.length > 0 ? settings.tags : undefined;
    const now = Date.now();
    // createdAt is when the load began (what invalidations compare against); the TTL runs from now,
    // so a load slower than its TTL still stores a fresh value.
    const shaped = load === undefined ? this.codec.serializeOnly(value) : this.codec.shape(value);
    const payload = shaped.payload;
    const kept = 'value' in shaped ? shaped.value : this.l1?.encoded(payload, value, shaped.plainBytes);
    const entry: CacheEntry = { value: kept, createdAt, expiresAt: now + ttl, tags, loadMs: load?.loadMs ?? 0 };
    const freshUntil = Math.min(now + settings.l1Ttl, entry.expiresAt);
    const record = this.l1?.record(entry, freshUntil, scope.marksOf(tags));
    const l2Item =
      this.l2 === undefined
        ? undefined
        : {
            key,
            value: this.codec.encode(entry, payload),
            ttlMs: entry.expiresAt + settings.grace - now,
            createdAt,
            conditional: false,
            announced: load === undefined && this.announcer.carriedByWrites,
          };
    return {
      record,
      l1TtlMs: (settings.grace > 0 ? entry.expiresAt + settings.grace : freshUntil) - now,
      l2Item,
      value: load === undefined ? undefined : record === undefined ? kept : this.l1!.read(record),
    };
  }

  /** A user's write: every instance drops its copy, and no load that began before it is kept. */
  set(items: readonly PreparedItem[]): Promise<void> {
    this.epochs.touch(items.map((item) => item.key));
    return this.#write(items, true);
  }

  /**
   * A loaded value. Nobody needs telling: an L1 copy never outlives the L2 entry it came from, so no
   * instance holds an older copy of a key that missed. A load older than the tombstones is kept
   * out of L2, where it could otherwise land over a delete that came after it began.
   */
  store(item: PreparedItem, release?: () => LockRelease | undefined): Promise<void> {
    const prepared = item.prepared;
    if (prepared?.l2Item === undefined) return this.#write([item], false);
    const late = this.clock.stamp() - prepared.l2Item.createdAt >= TOMBSTONE_MS;
    // `release`: the load's fleet lock, freed by the write's own script when there is a write.
    const l2Item = late ? undefined : { ...prepared.l2Item, conditional: true, release: release?.() };
    const filled = this.#write([{ key: item.key, prepared: { ...prepared, l2Item: undefined } }], false);
    if (l2Item === undefined) return filled;
    // The L2 write leaves in the next tick, once this one's microtasks have answered the load's
    // callers: neither its send nor its bookkeeping delays them. Being conditional on the load's
    // creation time, it lands right whichever of their own writes goes ahead of it.
    return new Promise((resolve, reject) =>
      process.nextTick(() => {
        try {
          this.l2!.write([l2Item]).then(resolve, reject);
        } catch (error) {
          reject(error); // nothing throws out of the tick
        }
      }),
    );
  }

  async remove(keys: readonly string[]): Promise<void> {
    this.epochs.touch(keys);
    this.l1?.delete(keys);
    const at = this.clock.stamp();
    const tombstone = encodeTombstone(at);
    const announced = this.announcer.carriedByWrites;
    await Promise.all([
      this.l2?.write(keys.map((key) => ({ key, value: tombstone, ttlMs: TOMBSTONE_MS, createdAt: at, conditional: false, announced }))),
      announced ? undefined : this.announcer.announce({ op: 'keys', keys }),
    ]);
    this.telemetry.stats.deletes += keys.length;
    if (this.telemetry.events.heard('delete')) for (const key of keys) this.telemetry.events.emit('delete', { key });
  }

  #write(items: readonly PreparedItem[], announce: boolean): Promise<void> {
    const l2Items: RemoteWrite[] = [];
    const dropped: string[] = [];
    const written: string[] = [];
    for (const { key, prepared } of items) {
      if (prepared === undefined) {
        dropped.push(key);
        continue;
      }
      written.push(key);
      if (prepared.record !== undefined) this.l1!.put(key, prepared.record, prepared.l1TtlMs);
      if (prepared.l2Item !== undefined) l2Items.push(prepared.l2Item);
    }
    this.telemetry.stats.sets += written.length;
    // Set once callers can read it: a loaded value's caller does not wait for L2.
    if (this.telemetry.events.heard('set')) for (const key of written) this.telemetry.events.emit('set', { key });
    const sent: Promise<void>[] = [];
    if (l2Items.length > 0 && this.l2 !== undefined) sent.push(this.l2.write(l2Items));
    if (dropped.length > 0) sent.push(this.remove(dropped));
    // Unless their L2 writes announce them (each prepared write is then `announced`).
    if (announce && written.length > 0 && !this.announcer.carriedByWrites) sent.push(this.announcer.announce({ op: 'keys', keys: written }));
    return sent.length === 0 ? Promise.resolve() : sent.length === 1 ? sent[0]! : Promise.all(sent).then(done);
  }
}
