import type { Mark } from '../invalidation/marks.js';
import type { CacheLogger } from '../logger.js';
import type { Telemetry } from '../cache/telemetry.js';
import { encodeTombstone } from '../serialization/entry-codec.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import { GatheredCalls } from './gathered-calls.js';
import { groupBy } from './group-by.js';
import { NodeBreakers, RELEASED } from './node-breakers.js';
import { OutageQueue, type Replayed } from './outage-queue.js';
import type { MarkWrite, RemoteTier, RemoteWrite } from './remote-tier.js';

export interface ResilienceOptions {
  breaker: CircuitBreakerOptions;
  /** Removals kept for replay while L2 is unreachable; the oldest are dropped past this. */
  maxPendingWrites: number;
}

/** What must still be announced to the other instances. */
export interface AnnouncementHooks {
  /** What a replay wrote. */
  replayed(replayed: Replayed): void;
  /** The keys of `announced` writes that failed: their script may not have published them. */
  unannounced(keys: string[]): void;
}

/** What `#attempt` returns when L2 was not used: unusable, or the call failed. */
const SKIPPED = Symbol('skipped');

/**
 * Wraps L2 so that its failures never reach a caller: reads miss, removals and marks wait in the
 * outage queue until L2 is back, and failures open the circuit breaker of the node they happened on,
 * which skips that node until a probe is answered (see `NodeBreakers`). Each call waits at most one
 * command timeout. Each state change is logged once; every error is counted and emitted.
 */
export class ResilientTier {
  readonly #inner: RemoteTier;
  readonly #breakers: NodeBreakers;
  readonly #queue: OutageQueue;
  readonly #writes = new GatheredCalls<RemoteWrite, void>((node, batch) => this.#writeTo(node, batch));
  /** Sized by what the values weigh (see `RemoteTier.keysPerRead`). */
  readonly #reads = new GatheredCalls<string, string | undefined>(
    (node, keys) => this.#attemptOr(undefined, 'get', node, () => this.#inner.getMany(keys), keys.length === 1 ? keys[0] : undefined),
    () => this.#inner.keysPerRead(),
  );
  readonly #unsubscribe: () => void;
  /** The replay under way, if any: one at a time. */
  #replaying: Promise<void> | undefined;
  #closed = false;
  #connected: boolean | undefined;
  /** What was last logged: a lost connection and an open breaker are one outage, logged once. */
  #healthy = true;

  constructor(
    inner: RemoteTier,
    options: ResilienceOptions,
    private readonly telemetry: Telemetry,
    private readonly logger: CacheLogger,
    private readonly hooks: AnnouncementHooks,
  ) {
    this.#inner = inner;
    this.#breakers = new NodeBreakers(options.breaker, inner.commandTimeoutMs(), {
      probe: (node) => this.#probe(node),
      ready: () => inner.isReady(),
      servesSlots: (node) => inner.servesSlots(node),
      opened: (node, error) => this.#opened(node, error),
      closed: (node) => this.#closedNode(node),
      answered: () => {
        if (this.#queue.size > 0) void this.#replay();
      },
    });
    this.#queue = new OutageQueue(options.maxPendingWrites, logger);
    this.#unsubscribe = inner.onConnectionChange((connected) => this.#onConnectionChange(connected));
  }

  get inner(): RemoteTier {
    return this.#inner;
  }

  /** Whether L2 is used right now (connected, breaker of keyless commands closed). */
  get available(): boolean {
    return !this.#breakers.isOpen(this.#inner.nodeOf()) && this.#inner.isReady();
  }

  /** Whether the node serving `key` is used right now. */
  usableFor(key: string): boolean {
    return this.available && !this.#breakers.isOpen(this.#inner.nodeOf(key));
  }

  /** Whether any node's breaker is open. */
  get breakerOpen(): boolean {
    return this.#breakers.anyOpen;
  }

  /** The nodes skipped now (by address), with the error that opened their breaker. */
  openNodes(): { node: string; error: string }[] {
    return this.#breakers.openNodes();
  }

  get pendingWrites(): number {
    return this.#queue.size;
  }

  /** The path of every L2 hit: gathered per node and tick, with no async frame of its own; a skipped read is a miss. */
  get(key: string): Promise<string | undefined> {
    return this.#reads.add(this.#inner.nodeOf(key), key);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values: (string | undefined)[] = keys.map(() => undefined);
    await this.#perNode(keys, (key) => key, async (node, group) => {
      const found = await this.#attempt('getMany', node, () => this.#inner.getMany(group.map(([key]) => key)));
      if (found !== SKIPPED) group.forEach(([, i], j) => (values[i] = found[j]));
    });
    return values;
  }

  /** Marks for `keys`, or undefined when L2 can't say (the caller then treats them as unknown). */
  async readMarks(keys: readonly string[]): Promise<Mark[] | undefined> {
    const marks: Mark[] = [];
    let known = true;
    await this.#perNode(keys, (key) => key, async (node, group) => {
      const read = await this.#attempt('readMarks', node, () => this.#inner.readMarks(group.map(([key]) => key)));
      if (read === SKIPPED) known = false;
      else group.forEach(([, i], j) => (marks[i] = read[j]!));
    });
    return known ? marks : undefined;
  }

  /** The stored times (a queued mark keeps its own), or undefined when every mark was queued for replay. */
  async writeMarks(marks: readonly MarkWrite[], retentionMs: number): Promise<number[] | undefined> {
    const times = marks.map((mark) => mark.at);
    let queued = 0;
    await this.#perNode(marks, (mark) => mark.key, async (node, group) => {
      const stored = await this.#attempt('writeMarks', node, () => this.#inner.writeMarks(group.map(([mark]) => mark), retentionMs));
      if (stored !== SKIPPED) return group.forEach(([, i], j) => (times[i] = stored[j]!));
      for (const [mark] of group) this.#queue.mark(mark, retentionMs);
      queued += group.length;
    });
    return queued === marks.length ? undefined : times;
  }

  /**
   * Entries and tombstones; a failed one becomes a queued tombstone, so L2 can't keep an older value.
   * A single write joins its node's batch for the tick (one that frees a load lock goes as it is);
   * several are sent at once, after the writes gathered before them.
   */
  write(items: readonly RemoteWrite[]): Promise<void> {
    if (items.length === 1 && items[0]!.release === undefined) return this.#writes.add(this.#inner.nodeOf(items[0]!.key), items[0]!);
    this.#writes.flush();
    return this.#perNode(items, (item) => item.key, (node, group) => this.#writeTo(node, group.map(([item]) => item)));
  }

  #writeTo(node: string, batch: readonly RemoteWrite[]): Promise<void> {
    return this.#attempt('set', node, () => this.#inner.write(batch), batch.length === 1 ? batch[0]!.key : undefined).then((written) => {
      if (written !== SKIPPED) return;
      const unannounced: string[] = [];
      for (const item of batch) {
        this.#queue.remove(item.key, item.createdAt);
        if (item.announced) unannounced.push(item.key);
      }
      if (unannounced.length > 0) this.hooks.unannounced(unannounced);
    });
  }

  /**
   * Returns the number deleted now, or 0 when the deletion was deferred until L2 is back. It needs
   * every node, and many round trips: it is not bounded by one command timeout.
   */
  async deleteMatching(pattern: string): Promise<number> {
    const deleted = await this.guardEveryNode('deleteMatching', () => this.#inner.deleteMatching(pattern));
    if (deleted !== undefined) return deleted;
    this.#queue.pattern(pattern);
    return 0;
  }

  /** Sent after the writes made before it. Whether the message left; the caller keeps it for later otherwise. */
  async publish(channel: string, raw: () => string): Promise<boolean> {
    this.#writes.flush();
    return (await this.#attempt('publish', this.#inner.nodeOf(), () => this.#inner.publish(channel, raw()))) !== SKIPPED;
  }

  /**
   * Runs a command the tier does not send itself (a load lock) through the breaker of `key`'s node,
   * after the writes gathered before it: undefined when the node is skipped or the command failed
   * (counted as `operation`).
   */
  async guard<T>(operation: string, key: string, call: () => Promise<T>): Promise<T | undefined> {
    this.#writes.flush();
    const result = await this.#attempt(operation, this.#inner.nodeOf(key), call, key);
    return result === SKIPPED ? undefined : result;
  }

  /**
   * Runs work of many commands over every node (a purge) while no breaker is open, not bounded by
   * one command timeout: undefined when skipped or failed (counted as `operation`).
   */
  async guardEveryNode<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    if (this.#breakers.anyOpen) return undefined;
    const result = await this.#attempt(operation, this.#inner.nodeOf(), call, undefined, false);
    return result === SKIPPED ? undefined : result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#breakers.close();
    this.#unsubscribe();
    await this.#inner.close();
  }

  /** Whether `node` is usable now, without waiting for a first connection. */
  #usableNow(node: string): boolean {
    return this.#inner.isReady() && !this.#breakers.isOpen(node) && !this.#closed;
  }

  /** Runs `run` once per node, with the items (and their positions) that node serves. */
  async #perNode<I>(items: readonly I[], keyOf: (item: I) => string, run: (node: string, group: [I, number][]) => Promise<void>): Promise<void> {
    const groups = groupBy(items, (item) => this.#inner.nodeOf(keyOf(item)));
    await Promise.all([...groups].map(([node, group]) => run(node, group)));
  }

  /**
   * Runs `call` on L2 if `node` is usable (after waiting out the bounded first connection attempt if
   * one is under way), bounded by one command timeout unless `bounded` is false. Returns SKIPPED
   * when it was not usable, or when the call failed (the failure is counted, and feeds the node's
   * breaker); each caller decides what skipping means for it.
   */
  #attempt<T>(operation: string, node: string, call: () => Promise<T>, key?: string, bounded = true): Promise<T | typeof SKIPPED> {
    return this.#attemptOr(SKIPPED, operation, node, call, key, bounded);
  }

  /** `#attempt` answering `skipped` instead of SKIPPED, with no async frame: it is on the path of every L2 hit. */
  #attemptOr<T, S>(skipped: S, operation: string, node: string, call: () => Promise<T>, key?: string, bounded = true): Promise<T | S> {
    if (this.#usableNow(node)) return this.#run(operation, node, call, key, bounded, skipped);
    const connecting = this.#closed ? undefined : this.#inner.firstConnection();
    if (connecting === undefined) return Promise.resolve(skipped);
    return connecting.then(() => (this.#usableNow(node) ? this.#run(operation, node, call, key, bounded, skipped) : skipped));
  }

  #run<T, S>(operation: string, node: string, call: () => Promise<T>, key: string | undefined, bounded: boolean, skipped: S): Promise<T | S> {
    return this.#breakers.run(node, call, (error) => this.#failed(operation, node, error, key, skipped), bounded);
  }

  async #failed<S>(operation: string, node: string, error: unknown, key: string | undefined, skipped: S): Promise<S> {
    if (error !== RELEASED) {
      this.telemetry.fault(operation, error, key);
      await this.#breakers.failed(node, error);
    }
    return skipped;
  }

  #onConnectionChange(connected: boolean): void {
    if (this.#closed || connected === this.#connected) return;
    const first = this.#connected === undefined;
    this.#connected = connected;
    this.telemetry.events.emit('connection', { tier: 'l2', connected });
    if (!first || !connected) this.#updateHealth(`connection to ${this.#inner.nodeOf()} lost`);
    if (!connected) return;
    this.#breakers.wake();
    void this.#replay();
  }

  #updateHealth(reason: string): void {
    const healthy = this.#connected !== false && !this.#breakers.anyOpen;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) this.logger.log('L2 (Redis) is back in use.');
    else this.logger.warn(`L2 (Redis) is unavailable (${reason}); serving from L1 and loaders, and retrying in the background.`);
  }

  #opened(node: string, error: unknown): void {
    this.telemetry.events.emit('breaker:open', { tier: 'l2', error, node });
    this.#updateHealth(`${node}: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** A probe: the node answers a PING, and takes what it missed while it was skipped. */
  async #probe(node: string): Promise<void> {
    await this.#inner.ping(node);
    await this.#replay(true, node);
  }

  #closedNode(node: string): void {
    this.telemetry.events.emit('breaker:close', { tier: 'l2', node });
    this.#updateHealth('');
    // Whatever was sent while the breaker was open may be waiting too (publishes, for one).
    this.hooks.replayed({ removedKeys: [], marks: [], patterns: [] });
  }

  /**
   * Replays what the nodes in use (and `closing`, the node a probe is about to close) missed. With
   * `throwOnFailure` (a probe), a failure is the caller's, and a replay already under way is waited
   * for, then this one runs.
   */
  async #replay(throwOnFailure = false, closing?: string): Promise<void> {
    if (this.#replaying !== undefined) {
      if (!throwOnFailure) return;
      await this.#replaying.catch(() => undefined);
      return this.#replay(true, closing);
    }
    if (this.#closed || !this.#inner.isReady()) {
      if (throwOnFailure && !this.#closed) throw new Error(`${closing ?? this.#inner.nodeOf()} is not connected`);
      return;
    }
    const inUse = (node: string) => node === closing || !this.#breakers.isOpen(node);
    const everyNode = this.#breakers.openNodes().every(({ node }) => node === closing);
    const only = (key: string) => inUse(this.#inner.nodeOf(key));
    this.#replaying = this.#queue.replay(this.#inner, encodeTombstone, only, everyNode).then((replayed) => this.hooks.replayed(replayed));
    try {
      await this.#replaying;
    } catch (error) {
      if (throwOnFailure) throw error;
      this.telemetry.fault('replay', error);
    } finally {
      this.#replaying = undefined;
    }
  }
}
