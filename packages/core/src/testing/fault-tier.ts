import type { Mark } from '../invalidation/marks.js';
import type { RedisClient } from '../tiers/redis-connection.js';
import type { RedisHealth } from '../tiers/redis-health.js';
import type { Subscription, SubscriptionHandlers } from '../tiers/redis-pubsub.js';
import type { CarriedAnnouncements, MarkWrite, RemoteTier, RemoteWrite, ScanProgress } from '../tiers/remote-tier.js';

export type FaultOperation = 'get' | 'write' | 'readMarks' | 'writeMarks' | 'deleteMatching' | 'publish';

/**
 * Wraps a remote tier (a real Redis) to fail on demand, deterministically: partition this instance
 * (every call fails, nothing is heard, as when the network drops), fail the next calls of one
 * operation, or drop and duplicate the bus messages this instance receives. For chaos tests of
 * your own services as well as ours.
 *
 * @example
 * let faults!: FaultTier;
 * const cache = new TieredCache(options, { wrapRemote: (tier) => (faults = new FaultTier(tier)) });
 * faults.partition(); await cache.set('k', 1); faults.heal();
 */
export class FaultTier implements RemoteTier {
  readonly #inner: RemoteTier;
  #partitioned = false;
  readonly #failures = new Map<FaultOperation, number>();
  #drop = 0;
  #duplicate = false;
  #clockSkew = 0;
  readonly #listeners = new Set<(connected: boolean) => void>();
  readonly #subscribers = new Set<SubscriptionHandlers>();

  constructor(inner: RemoteTier) {
    this.#inner = inner;
    inner.onConnectionChange((connected) => {
      if (!this.#partitioned) for (const listener of this.#listeners) listener(connected);
    });
  }

  get client(): RedisClient {
    return this.#inner.client;
  }

  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** From now on every call fails and no message arrives, until `heal()`. */
  partition(): void {
    if (this.#partitioned) return;
    this.#partitioned = true;
    for (const listener of this.#listeners) listener(false);
  }

  /** Reconnects: the connection comes back, and so does the subscription (messages meanwhile were lost). */
  heal(): void {
    if (!this.#partitioned) return;
    this.#partitioned = false;
    for (const listener of this.#listeners) listener(true);
    for (const subscriber of this.#subscribers) subscriber.resubscribed();
  }

  /** The next `count` calls of `operation` fail (on top of any partition). */
  fail(operation: FaultOperation, count = 1): void {
    this.#failures.set(operation, (this.#failures.get(operation) ?? 0) + count);
  }

  /** The next `count` bus messages addressed to this instance are lost. */
  dropMessages(count = 1): void {
    this.#drop += count;
  }

  /** While on, every bus message arrives twice. */
  duplicateMessages(on = true): void {
    this.#duplicate = on;
  }

  /**
   * This instance's measured offset to Redis's clock reads `ms` more (negative: less) than it is, as a
   * measurement over a slow round trip can: its stamps run ahead of (behind) the other instances'.
   */
  skewClock(ms: number): void {
    this.#clockSkew = ms;
  }

  get(key: string): Promise<string | undefined> {
    return this.#call('get', () => this.#inner.get(key));
  }

  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return this.#call('get', () => this.#inner.getMany(keys));
  }

  keysPerRead(): number {
    return this.#inner.keysPerRead();
  }

  write(items: readonly RemoteWrite[]): Promise<void> {
    return this.#call('write', () => this.#inner.write(items));
  }

  deleteMatching(pattern: string): Promise<number> {
    return this.#call('deleteMatching', () => this.#inner.deleteMatching(pattern));
  }

  scanDelete(pattern: string, select: (key: string) => boolean, onProgress?: (progress: ScanProgress) => void): Promise<ScanProgress> {
    return this.#call('deleteMatching', () => this.#inner.scanDelete(pattern, select, onProgress));
  }

  readMarks(keys: readonly string[]): Promise<Mark[]> {
    return this.#call('readMarks', () => this.#inner.readMarks(keys));
  }

  writeMarks(marks: readonly MarkWrite[], retentionMs: number): Promise<number[]> {
    return this.#call('writeMarks', () => this.#inner.writeMarks(marks, retentionMs));
  }

  publish(channel: string, raw: string): Promise<void> {
    return this.#call('publish', () => this.#inner.publish(channel, raw));
  }

  /** As the tier it wraps: a write that fails here fails with what it carried. */
  carryAnnouncements(announcements: CarriedAnnouncements): boolean {
    return this.#inner.carryAnnouncements?.(announcements) ?? false;
  }

  subscribe(channel: string, handlers: SubscriptionHandlers): Subscription {
    this.#subscribers.add(handlers);
    const inner = this.#inner.subscribe(channel, {
      message: (raw) => {
        if (this.#partitioned) return;
        if (this.#drop > 0) {
          this.#drop--;
          return;
        }
        handlers.message(raw);
        if (this.#duplicate) handlers.message(raw);
      },
      resubscribed: () => {
        if (!this.#partitioned) handlers.resubscribed();
      },
    });
    return {
      get subscribed() {
        return inner.subscribed;
      },
      close: () => {
        this.#subscribers.delete(handlers);
        inner.close();
      },
    };
  }

  isReady(): boolean {
    return !this.#partitioned && this.#inner.isReady();
  }

  isConnecting(): boolean {
    return !this.#partitioned && this.#inner.isConnecting();
  }

  firstConnection(): Promise<void> | undefined {
    return this.#inner.firstConnection();
  }

  ping(node?: string): Promise<void> {
    return this.#call('get', () => this.#inner.ping(node));
  }

  nodeOf(key?: string): string {
    return this.#inner.nodeOf(key);
  }

  servesSlots(node: string): boolean {
    return this.#inner.servesSlots(node);
  }

  commandTimeoutMs(): number {
    return this.#inner.commandTimeoutMs();
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clockOffset(now: number): number {
    return this.#inner.clockOffset(now) + this.#clockSkew;
  }

  health(timeoutMs: number): Promise<RedisHealth> {
    return this.#inner.health(timeoutMs);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** A call made or answered during a partition fails, as a lost request or a lost reply would. */
  async #call<T>(operation: FaultOperation, call: () => Promise<T>): Promise<T> {
    const failures = this.#failures.get(operation) ?? 0;
    if (failures > 0) {
      this.#failures.set(operation, failures - 1);
      throw new Error(`injected ${operation} failure`);
    }
    if (this.#partitioned) throw new Error('partitioned (injected)');
    const result = await call();
    if (this.#partitioned) throw new Error('partitioned (injected)');
    return result;
  }
}
