import type { CacheEvents, CacheStats } from '../events/cache-events.js';
import type { InvalidationMode, Mark } from '../invalidation/marks.js';
import type { CacheLogger } from '../logger.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { globToRegExp } from './glob.js';
import type { ScanProgress } from './redis-tier.js';
import type { MaybePromise, Tier, TierItem } from './tier.js';

/** A remote tier that can say whether it is connected, be probed, and keep invalidation marks. */
export interface RemoteTier extends Tier<string> {
  isConnecting(): boolean;
  scanDelete(pattern: string, select: (key: string) => boolean, onProgress?: (progress: ScanProgress) => void): Promise<ScanProgress>;
  readMarks(keys: readonly string[]): Promise<Mark[]>;
  writeMark(key: string, mode: InvalidationMode, at: number, retentionMs: number): Promise<void>;
  isReady(): boolean;
  /** Pending while the first connection attempt is under way, so early calls need not skip L2. */
  firstConnection(): Promise<void> | undefined;
  ping(): Promise<void>;
  /** Calls `listener` on every (re)connection and loss of connection; returns an unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export interface ResilienceOptions {
  breaker: CircuitBreakerOptions;
  /** Writes and deletes kept for replay while L2 is unreachable; the oldest are dropped past this. */
  maxPendingWrites: number;
}

/** What `#attempt` returns when L2 was not used: unusable, or the call failed. */
const SKIPPED = Symbol('skipped');

type PendingWrite = { op: 'set'; value: string; expiresAt: number } | { op: 'delete' };
type PendingMark = { key: string; mode: InvalidationMode; at: number; retentionMs: number };

/**
 * Wraps L2 so that its failures never reach a caller: reads miss, writes and deletes are kept and
 * replayed when L2 is back (newest per key wins), and repeated failures open a circuit breaker
 * that skips L2 until a background probe succeeds. Each state change is logged once; every error
 * is counted and emitted.
 */
export class ResilientTier {
  readonly #inner: RemoteTier;
  readonly #breaker: CircuitBreaker;
  readonly #pending = new Map<string, PendingWrite>();
  readonly #pendingPatterns: string[] = [];
  /** Invalidations wait here while L2 is away; they are replayed first, and are never dropped. */
  readonly #pendingMarks = new Map<string, PendingMark>();
  readonly #unsubscribe: () => void;
  #recovery: NodeJS.Timeout | undefined;
  #replaying = false;
  #closed = false;
  #overflowLogged = false;
  #connected: boolean | undefined;
  /** What was last logged: a lost connection and an open breaker are one outage, logged once. */
  #healthy = true;

  constructor(
    inner: RemoteTier,
    private readonly options: ResilienceOptions,
    private readonly events: CacheEvents,
    private readonly stats: CacheStats,
    private readonly logger: CacheLogger,
  ) {
    this.#inner = inner;
    this.#breaker = new CircuitBreaker(options.breaker);
    this.#unsubscribe = inner.onConnectionChange((connected) => this.#onConnectionChange(connected));
  }

  get inner(): RemoteTier {
    return this.#inner;
  }

  /** Whether L2 is used right now (connected, breaker closed). */
  get available(): boolean {
    return !this.#breaker.isOpen && this.#inner.isReady();
  }

  /** `available`, after waiting out the (bounded) first connection attempt if one is under way. */
  async #usable(): Promise<boolean> {
    if (this.available) return true;
    const connecting = this.#inner.firstConnection();
    if (connecting === undefined) return false;
    await connecting;
    return this.available;
  }

  get breakerOpen(): boolean {
    return this.#breaker.isOpen;
  }

  get pendingWrites(): number {
    return this.#pending.size + this.#pendingPatterns.length + this.#pendingMarks.size;
  }

  /** Marks for `keys`, or undefined when L2 can't say (the caller then treats them as unknown). */
  async readMarks(keys: readonly string[]): Promise<Mark[] | undefined> {
    const marks = await this.#attempt('readMarks', () => this.#inner.readMarks(keys));
    return marks === SKIPPED ? undefined : marks;
  }

  async writeMarks(keys: readonly string[], mode: InvalidationMode, at: number, retentionMs: number): Promise<void> {
    const marks = keys.map((key) => ({ key, mode, at, retentionMs }));
    const written = await this.#attempt('writeMarks', () =>
      Promise.all(marks.map((mark) => this.#inner.writeMark(mark.key, mark.mode, mark.at, mark.retentionMs))),
    );
    if (written !== SKIPPED) return;
    for (const mark of marks) {
      const id = `${mark.mode}\u0000${mark.key}`;
      const older = this.#pendingMarks.get(id);
      if (older === undefined || older.at < mark.at) this.#pendingMarks.set(id, mark);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#attempt('get', () => this.#inner.get(key), key);
    return value === SKIPPED ? undefined : value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await this.#attempt('getMany', () => this.#inner.getMany(keys));
    return values === SKIPPED ? keys.map(() => undefined) : values;
  }

  async setMany(items: readonly TierItem<string>[], now: number): Promise<void> {
    for (const item of items) this.#pending.delete(item.key);
    const written = await this.#attempt('set', () => this.#inner.setMany(items), items.length === 1 ? items[0]!.key : undefined);
    if (written !== SKIPPED) return;
    for (const item of items) this.#remember(item.key, { op: 'set', value: item.value, expiresAt: now + item.ttlMs });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#pending.delete(key);
    const deleted = await this.#attempt('delete', () => this.#inner.delete(keys), keys.length === 1 ? keys[0] : undefined);
    if (deleted !== SKIPPED) return;
    for (const key of keys) this.#remember(key, { op: 'delete' });
  }

  /** Returns the number deleted now, or 0 when the deletion was deferred until L2 is back. */
  async deleteMatching(pattern: string): Promise<number> {
    const matcher = globToRegExp(pattern);
    for (const key of [...this.#pending.keys()]) if (matcher.test(key)) this.#pending.delete(key);
    const deleted = await this.#attempt('deleteMatching', () => this.#inner.deleteMatching(pattern));
    if (deleted !== SKIPPED) return deleted;
    this.#pendingPatterns.push(pattern);
    return 0;
  }

  /**
   * Runs `call` on L2 if it is usable. Returns SKIPPED when it was not, or when the call failed (the
   * failure is counted, and feeds the breaker); each caller decides what skipping means for it.
   */
  async #attempt<T>(operation: string, call: () => MaybePromise<T>, key?: string): Promise<T | typeof SKIPPED> {
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

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#recovery);
    this.#unsubscribe();
    await this.#inner.close();
  }

  #remember(key: string, write: PendingWrite): void {
    if (this.#closed) return;
    this.#pending.set(key, write);
    if (this.#pending.size <= this.options.maxPendingWrites) return;
    const oldest = this.#pending.keys().next().value as string;
    this.#pending.delete(oldest);
    if (!this.#overflowLogged) {
      this.#overflowLogged = true;
      this.logger.error(
        `Tiercache: more than ${this.options.maxPendingWrites} L2 writes are waiting for Redis; the oldest are being dropped, so L2 may serve stale entries until they expire.`,
      );
    }
  }

  #onConnectionChange(connected: boolean): void {
    if (this.#closed || connected === this.#connected) return;
    const first = this.#connected === undefined;
    this.#connected = connected;
    this.events.emit('connection', { tier: 'l2', connected });
    if (!first || !connected) this.#updateHealth('connection lost');
    if (connected) void this.#replay();
  }

  #updateHealth(reason: string): void {
    const healthy = this.#connected !== false && !this.#breaker.isOpen;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) {
      this.#overflowLogged = false;
      this.logger.log('Tiercache: L2 (Redis) is back in use.');
    } else {
      this.logger.warn(`Tiercache: L2 (Redis) is unavailable (${reason}); serving from L1 and loaders, and retrying in the background.`);
    }
  }

  #succeeded(): void {
    if (this.#breaker.recordSuccess()) this.#onClosed();
    if (this.pendingWrites > 0) void this.#replay();
  }

  #failed(operation: string, error: unknown, key?: string): void {
    this.stats.errors++;
    this.events.emit('fault', { tier: 'l2', operation, error, key });
    if (this.#breaker.recordFailure()) {
      this.events.emit('breaker:open', { tier: 'l2', error });
      this.#updateHealth(describe(error));
    }
    this.#scheduleRecovery();
  }

  /** A background loop that probes L2 and replays deferred writes until it succeeds, backing off. */
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
    this.events.emit('breaker:close', { tier: 'l2' });
    this.#updateHealth('');
  }

  /** Replays deferred writes, patterns first (they predate every write still pending for a key). */
  async #replay(throwOnFailure = false): Promise<void> {
    if (this.#replaying || this.#closed || !this.#inner.isReady()) {
      if (throwOnFailure && !this.#closed) throw new Error('L2 is not ready');
      return;
    }
    this.#replaying = true;
    try {
      for (const [id, mark] of [...this.#pendingMarks]) {
        await this.#inner.writeMark(mark.key, mark.mode, mark.at, mark.retentionMs);
        if (this.#pendingMarks.get(id) === mark) this.#pendingMarks.delete(id);
      }
      while (this.#pendingPatterns.length > 0) {
        await this.#inner.deleteMatching(this.#pendingPatterns[0]!);
        this.#pendingPatterns.shift();
      }
      while (this.#pending.size > 0) {
        const batch = [...this.#pending].slice(0, 500);
        for (const [key] of batch) this.#pending.delete(key);
        try {
          await this.#applyBatch(batch);
        } catch (error) {
          // Put back what a newer call has not superseded meanwhile.
          for (const [key, write] of batch) if (!this.#pending.has(key)) this.#pending.set(key, write);
          throw error;
        }
      }
    } catch (error) {
      if (throwOnFailure) throw error;
      this.#failed('replay', error);
    } finally {
      this.#replaying = false;
    }
  }

  async #applyBatch(batch: [string, PendingWrite][]): Promise<void> {
    const now = Date.now();
    const sets: TierItem<string>[] = [];
    const deletes: string[] = [];
    for (const [key, write] of batch) {
      if (write.op === 'delete') deletes.push(key);
      else if (write.expiresAt > now) sets.push({ key, value: write.value, ttlMs: write.expiresAt - now });
    }
    if (deletes.length > 0) await this.#inner.delete(deletes);
    if (sets.length > 0) await this.#inner.setMany(sets);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
