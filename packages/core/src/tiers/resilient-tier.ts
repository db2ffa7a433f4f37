import type { Mark } from '../invalidation/marks.js';
import type { CacheLogger } from '../logger.js';
import type { Telemetry } from '../cache/telemetry.js';
import { encodeTombstone } from '../serialization/entry-codec.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { OutageQueue, type Replayed } from './outage-queue.js';
import type { MarkWrite, RemoteTier, RemoteWrite } from './remote-tier.js';

export interface ResilienceOptions {
  breaker: CircuitBreakerOptions;
  /** Removals kept for replay while L2 is unreachable; the oldest are dropped past this. */
  maxPendingWrites: number;
}

/** What `#attempt` returns when L2 was not used: unusable, or the call failed. */
const SKIPPED = Symbol('skipped');

/**
 * Wraps L2 so that its failures never reach a caller: reads miss, removals and marks wait in the
 * outage queue until L2 is back, and repeated failures open a circuit breaker that skips L2 until a
 * background probe succeeds. Each state change is logged once; every error is counted and emitted.
 * `onReplayed` hears what a replay wrote, so that it can be announced to the other instances.
 */
export class ResilientTier {
  readonly #inner: RemoteTier;
  readonly #breaker: CircuitBreaker;
  readonly #queue: OutageQueue;
  readonly #unsubscribe: () => void;
  #recovery: NodeJS.Timeout | undefined;
  #replaying = false;
  #closed = false;
  #connected: boolean | undefined;
  /** What was last logged: a lost connection and an open breaker are one outage, logged once. */
  #healthy = true;

  constructor(
    inner: RemoteTier,
    options: ResilienceOptions,
    private readonly telemetry: Telemetry,
    private readonly logger: CacheLogger,
    private readonly onReplayed: (replayed: Replayed) => void,
  ) {
    this.#inner = inner;
    this.#breaker = new CircuitBreaker(options.breaker);
    this.#queue = new OutageQueue(options.maxPendingWrites, logger);
    this.#unsubscribe = inner.onConnectionChange((connected) => this.#onConnectionChange(connected));
  }

  get inner(): RemoteTier {
    return this.#inner;
  }

  /** Whether L2 is used right now (connected, breaker closed). */
  get available(): boolean {
    return !this.#breaker.isOpen && this.#inner.isReady();
  }

  get breakerOpen(): boolean {
    return this.#breaker.isOpen;
  }

  get pendingWrites(): number {
    return this.#queue.size;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#attempt('get', () => this.#inner.get(key), key);
    return value === SKIPPED ? undefined : value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await this.#attempt('getMany', () => this.#inner.getMany(keys));
    return values === SKIPPED ? keys.map(() => undefined) : values;
  }

  /** Marks for `keys`, or undefined when L2 can't say (the caller then treats them as unknown). */
  async readMarks(keys: readonly string[]): Promise<Mark[] | undefined> {
    const marks = await this.#attempt('readMarks', () => this.#inner.readMarks(keys));
    return marks === SKIPPED ? undefined : marks;
  }

  /** The stored times, or undefined when the marks were queued for replay. */
  async writeMarks(marks: readonly MarkWrite[], retentionMs: number): Promise<number[] | undefined> {
    const stored = await this.#attempt('writeMarks', () => this.#inner.writeMarks(marks, retentionMs));
    if (stored !== SKIPPED) return stored;
    for (const mark of marks) this.#queue.mark(mark, retentionMs);
    return undefined;
  }

  /** Entries and tombstones; a failed one becomes a queued tombstone, so L2 can't keep an older value. */
  async write(items: readonly RemoteWrite[]): Promise<void> {
    const written = await this.#attempt('set', () => this.#inner.write(items), items.length === 1 ? items[0]!.key : undefined);
    if (written === SKIPPED) for (const item of items) this.#queue.remove(item.key, item.createdAt);
  }

  /** Returns the number deleted now, or 0 when the deletion was deferred until L2 is back. */
  async deleteMatching(pattern: string): Promise<number> {
    const deleted = await this.#attempt('deleteMatching', () => this.#inner.deleteMatching(pattern));
    if (deleted !== SKIPPED) return deleted;
    this.#queue.pattern(pattern);
    return 0;
  }

  /** Whether the message left; the caller keeps it for later otherwise. */
  async publish(channel: string, raw: string): Promise<boolean> {
    return (await this.#attempt('publish', () => this.#inner.publish(channel, raw))) !== SKIPPED;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#recovery);
    this.#unsubscribe();
    await this.#inner.close();
  }

  /** `available`, after waiting out the (bounded) first connection attempt if one is under way. */
  async #usable(): Promise<boolean> {
    if (this.available) return true;
    const connecting = this.#inner.firstConnection();
    if (connecting === undefined) return false;
    await connecting;
    return this.available;
  }

  /**
   * Runs `call` on L2 if it is usable. Returns SKIPPED when it was not, or when the call failed (the
   * failure is counted, and feeds the breaker); each caller decides what skipping means for it.
   */
  async #attempt<T>(operation: string, call: () => Promise<T>, key?: string): Promise<T | typeof SKIPPED> {
    if (!this.available && !(await this.#usable())) return SKIPPED;
    try {
      const result = await call();
      this.#succeeded();
      return result;
    } catch (error) {
      this.#failed(operation, error, key);
      return SKIPPED;
    }
  }

  #onConnectionChange(connected: boolean): void {
    if (this.#closed || connected === this.#connected) return;
    const first = this.#connected === undefined;
    this.#connected = connected;
    this.telemetry.events.emit('connection', { tier: 'l2', connected });
    if (!first || !connected) this.#updateHealth('connection lost');
    if (connected) void this.#replay();
  }

  #updateHealth(reason: string): void {
    const healthy = this.#connected !== false && !this.#breaker.isOpen;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) this.logger.log('L2 (Redis) is back in use.');
    else this.logger.warn(`L2 (Redis) is unavailable (${reason}); serving from L1 and loaders, and retrying in the background.`);
  }

  #succeeded(): void {
    if (this.#breaker.recordSuccess()) this.#onClosed();
    if (this.#queue.size > 0) void this.#replay();
  }

  #failed(operation: string, error: unknown, key?: string): void {
    this.telemetry.fault(operation, error, key);
    if (this.#breaker.recordFailure()) {
      this.telemetry.events.emit('breaker:open', { tier: 'l2', error });
      this.#updateHealth(error instanceof Error ? error.message : String(error));
    }
    this.#scheduleRecovery();
  }

  /** A background loop that probes L2 and replays the queue until it succeeds, backing off. */
  #scheduleRecovery(): void {
    if (this.#closed || this.#recovery !== undefined) return;
    this.#recovery = setTimeout(() => void this.#recover(), this.#breaker.takeProbeDelay());
    this.#recovery.unref();
  }

  async #recover(): Promise<void> {
    this.#recovery = undefined;
    try {
      await this.#inner.ping();
      await this.#replay(true);
      if (this.#breaker.recordSuccess()) this.#onClosed();
    } catch {
      this.#scheduleRecovery();
    }
  }

  #onClosed(): void {
    this.telemetry.events.emit('breaker:close', { tier: 'l2' });
    this.#updateHealth('');
    // Whatever was sent while the breaker was open may be waiting too (publishes, for one).
    this.onReplayed({ removedKeys: [], marks: [], patterns: [] });
  }

  async #replay(throwOnFailure = false): Promise<void> {
    if (this.#replaying || this.#closed || !this.#inner.isReady()) {
      if (throwOnFailure && !this.#closed) throw new Error('L2 is not ready');
      return;
    }
    this.#replaying = true;
    try {
      this.onReplayed(await this.#queue.replay(this.#inner, encodeTombstone));
    } catch (error) {
      if (throwOnFailure) throw error;
      this.#failed('replay', error);
    } finally {
      this.#replaying = false;
    }
  }
}
