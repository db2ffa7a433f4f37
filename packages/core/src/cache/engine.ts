import { Announcer } from '../invalidation/announcer.js';
import { InvalidationBus } from '../invalidation/bus.js';
import { Epochs } from '../invalidation/epochs.js';
import { Invalidator } from '../invalidation/invalidator.js';
import { MarkStore } from '../invalidation/marks.js';
import { FleetLock } from '../load/fleet-lock.js';
import { Flights } from '../load/flights.js';
import { LoadRunner } from '../load/load-runner.js';
import { guardedBy, RedisLockProvider, type LockGuard, type RedisLockProviderOptions } from '../locks/redis-lock-provider.js';
import { L1Store } from '../read/l1-store.js';
import { L2Reader } from '../read/l2-reader.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, EntryCodec } from '../serialization/entry-codec.js';
import { RedisTier } from '../tiers/redis-tier.js';
import type { RemoteTier } from '../tiers/remote-tier.js';
import { ResilientTier } from '../tiers/resilient-tier.js';
import { Writer } from '../write/writer.js';
import type { CacheStatus } from './cache-types.js';
import { Clock } from './clock.js';
import type { ResolvedOptions } from './options.js';
import { Telemetry } from './telemetry.js';

/** Seams for tests: e.g. wrap the remote tier in a `FaultTier` to partition it on demand. */
export interface EngineHooks {
  wrapRemote?(tier: RemoteTier): RemoteTier;
}

/** Marks kept in memory (with L2, each is re-read after `MARK_MEMORY_MS`, bounding a lost message). */
const MAX_MARKS = 10_000;
const MARK_MEMORY_MS = 30_000;
/** Marks outlive in Redis every entry they can kill: the TTL bound, plus a margin for clock skew. */
const MARK_RETENTION_MARGIN_MS = 60_000;

/**
 * The units of one cache and its child namespaces, wired once. Each owns one concern; the facade
 * (`TieredCache`) calls them and touches no tier itself.
 */
export class Engine {
  readonly telemetry = new Telemetry();
  readonly epochs = new Epochs();
  readonly marks: MarkStore;
  readonly clock: Clock;
  readonly l1: L1Store | undefined;
  readonly l2: ResilientTier | undefined;
  readonly reader: L2Reader | undefined;
  readonly writer: Writer;
  readonly invalidator: Invalidator;
  readonly flights: Flights;
  readonly loads: LoadRunner;
  readonly #bus: InvalidationBus | undefined;
  readonly #announcer: Announcer;
  readonly #loadLocks: RedisLockProvider | undefined;
  #closed = false;

  constructor(
    readonly options: ResolvedOptions,
    hooks: EngineHooks = {},
  ) {
    const { l2: l2Options, logger } = options;
    const remote = l2Options === false ? undefined : (hooks.wrapRemote ?? ((tier) => tier))(new RedisTier(l2Options.redis));
    this.marks = new MarkStore({ maxMarks: MAX_MARKS, memoryMs: remote === undefined ? Infinity : MARK_MEMORY_MS });
    this.clock = new Clock(remote === undefined ? undefined : (now) => remote.clockOffset(now));
    const codec = new EntryCodec({
      serializer: options.serializer,
      compressAbove: l2Options === false ? false : l2Options.compressAbove,
      maxDecompressedBytes: l2Options === false ? DEFAULT_MAX_DECOMPRESSED_BYTES : l2Options.maxDecompressedBytes,
    });
    this.l1 = options.l1 === false ? undefined : new L1Store(options.l1, this.marks, this.telemetry, () => this.l2?.available ?? false, (payload) => codec.decodeValue(payload));
    this.l2 =
      remote === undefined || l2Options === false
        ? undefined
        : new ResilientTier(remote, l2Options, this.telemetry, logger, {
            replayed: (replayed) => void this.invalidator.replayed(replayed),
            unannounced: (keys) => this.#announcer.missed(keys),
          });
    this.#bus =
      remote !== undefined && this.l2 !== undefined && l2Options !== false && l2Options.bus
        ? new InvalidationBus(remote, (channel, raw) => this.l2!.publish(channel, raw), `tiercache:bus:${options.prefix}`, {
            onMessage: (message) => this.invalidator.receive(message),
            onResync: (reason) => this.invalidator.resync(reason),
          })
        : undefined;
    const bus = this.#bus;
    const carried = bus !== undefined && remote!.carryAnnouncements?.({ channel: bus.channel, message: (keys) => bus.carried(keys) }) === true;
    this.#announcer = new Announcer(bus, this.telemetry, carried);
    this.reader = this.l2 === undefined ? undefined : new L2Reader(this.l2, codec, this.marks, this.telemetry);
    this.writer = new Writer(this.l1, this.l2, codec, this.epochs, this.#announcer, this.telemetry, this.clock);
    this.invalidator = new Invalidator(
      this.marks,
      this.epochs,
      this.l1,
      this.l2,
      this.#announcer,
      this.clock,
      this.telemetry,
      logger,
      options.maxTtl + MARK_RETENTION_MARGIN_MS,
    );
    this.flights = new Flights(this.epochs, this.marks);
    let fleetLock: FleetLock | undefined;
    if (remote !== undefined && this.reader !== undefined && this.l2 !== undefined && l2Options !== false) {
      // Per-key locks: no fence keys, which would accumulate one per cache key forever.
      this.#loadLocks = this.lockProvider({ keyPrefix: 'tiercache:load:', fencing: false })!;
      fleetLock = new FleetLock(this.#loadLocks, this.reader, this.l2, this.telemetry, l2Options.loadLockTtl);
    }
    this.loads = new LoadRunner({
      l1: this.l1,
      l2: this.l2,
      reader: this.reader,
      writer: this.writer,
      flights: this.flights,
      marks: this.marks,
      fleetLock,
      telemetry: this.telemetry,
      clock: this.clock,
      logger,
    });
  }

  /** L2's breaker, for commands the tier does not send itself (locks, the write-behind queue). */
  l2Guard(): LockGuard | undefined {
    const l2 = this.l2;
    return l2 === undefined ? undefined : (operation, key, call) => l2.guard(operation, key, call);
  }

  /** Locks on L2's connection whose every command (acquire, renewal, release) goes through L2's breaker. */
  lockProvider(options: Omit<RedisLockProviderOptions, 'client'>): RedisLockProvider | undefined {
    const guard = this.l2Guard();
    if (guard === undefined) return undefined;
    return new RedisLockProvider({ ...options, client: this.l2!.inner.client, [guardedBy]: guard });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the bus (if any) has subscribed at least once. */
  get subscribed(): boolean {
    return this.#bus === undefined || this.#bus.subscribed;
  }

  status(): CacheStatus {
    const { l1, l2 } = this;
    return {
      l1: l1 && { entries: l1.size, bytes: l1.bytes, maxEntries: l1.bounds.maxEntries, maxBytes: l1.bounds.maxBytes },
      l2: l2 && { connected: l2.inner.isReady(), breakerOpen: l2.breakerOpen, openNodes: l2.openNodes(), pendingWrites: l2.pendingWrites },
    };
  }

  /** True once L2 is usable and the bus subscribed; false when a connection attempt fails, or at `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    const { l2 } = this;
    const deadline = Date.now() + timeoutMs;
    const up = () => l2 === undefined || (l2.available && this.subscribed);
    const worthWaiting = () => l2 !== undefined && (l2.inner.isConnecting() || l2.available);
    while (!up() && worthWaiting() && Date.now() < deadline && !this.#closed) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return up();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Before anything closes: what settled loads still send (their writes, their locks' release).
    await this.loads.drain();
    this.#announcer.close();
    await this.#loadLocks?.close();
    this.#bus?.close();
    await this.l2?.close();
    await this.l1?.close();
  }
}
