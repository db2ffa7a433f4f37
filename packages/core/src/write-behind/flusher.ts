import type { ResolvedWriteBehindOptions } from './options.js';
import { backoffMs, type QueueBackend, type StoredItem } from './queue.js';

/** What the flusher reports to the WriteBehind that owns it. */
export interface FlushEvents {
  /** Hands a batch to the user's writer (decoding it first). */
  write(items: readonly StoredItem[]): Promise<void>;
  written(count: number, durationMs: number): void;
  retried(error: unknown): void;
  deadLettered(item: StoredItem, error: unknown): Promise<void>;
  failed(error: unknown): void;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The last write of each key in a batch, in stream order; only when the user turned coalescing on. */
function coalesced(items: readonly StoredItem[]): StoredItem[] {
  const last = new Map<string, StoredItem>();
  for (const item of items) last.set(item.key, item);
  return items.filter((item) => last.get(item.key) === item);
}

/**
 * One loop per partition. A loop flushes only while it holds the partition's lease, so at most one
 * process writes a partition's entries at a time, one batch after the other, in stream order:
 * that is what keeps every key's writes in order (a key always hashes to the same partition).
 */
export class Flusher {
  #running = false;
  #draining = false;
  readonly #loops: Promise<void>[] = [];
  readonly #sleepers = new Set<() => void>();

  constructor(
    private readonly backend: QueueBackend,
    private readonly options: ResolvedWriteBehindOptions<unknown>,
    private readonly events: FlushEvents,
  ) {}

  start(): void {
    this.#running = true;
    for (let p = 0; p < this.options.partitions; p++) this.#loops.push(this.#loop(p));
  }

  /** Ends the sleeps early: a full batch is waiting. */
  wake(): void {
    for (const wake of this.#sleepers) wake();
  }

  /** Flushes until the partitions are empty or `timeoutMs` passed; what is left stays queued. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.#running) return;
    this.#draining = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.#loops), deadline]);
    clearTimeout(timer);
    this.#running = false;
    this.wake();
  }

  async #loop(partition: number): Promise<void> {
    const { leaseMs, flushEveryMs, maxBatch } = this.options;
    let owned = false;
    let renewedAt = 0;
    while (this.#running) {
      try {
        if (!owned || Date.now() - renewedAt > leaseMs / 3) {
          owned = await this.backend.lease(partition);
          renewedAt = Date.now();
        }
        if (!owned) {
          if (this.#draining) break;
          await this.#sleep(Math.min(leaseMs / 2, 250));
          continue;
        }
        const batch = await this.backend.read(partition, maxBatch);
        if (batch.length === 0 && this.#draining) break;
        if (batch.length > 0) owned = await this.#deliver(partition, batch);
        // A full batch means more are waiting; otherwise let the next one fill for flushEveryMs.
        if (batch.length < maxBatch && !this.#draining) await this.#sleep(flushEveryMs);
      } catch (error) {
        this.events.failed(error);
        await this.#sleep(backoffMs(1, this.options.retryBaseMs, this.options.maxBackoffMs) + flushEveryMs);
      }
    }
    if (owned) await this.backend.release(partition).catch((error) => this.events.failed(error));
  }

  /**
   * Writes the batch, retrying with backoff. Once some item has taken part in `maxAttempts` failed
   * calls, the batch is split into single items, in order, so a poison item is found and
   * dead-lettered while the others go on. Returns false when the lease was lost: the entries stay
   * pending for the next holder.
   */
  async #deliver(partition: number, batch: StoredItem[]): Promise<boolean> {
    const { maxAttempts, retryBaseMs, maxBackoffMs, leaseMs, coalesce } = this.options;
    const attempts = new Map<string, number>();
    const groups: StoredItem[][] = [batch];
    let renewedAt = Date.now();
    while (groups.length > 0) {
      if (!this.#running) return true;
      const group = groups[0]!;
      // A holder that was paused past its lease must not write: another instance may have taken over.
      if (Date.now() - renewedAt > leaseMs / 3) {
        if (!(await this.backend.lease(partition))) return false;
        renewedAt = Date.now();
      }
      const started = performance.now();
      try {
        await this.#withRenewal(partition, () => this.events.write(coalesce ? coalesced(group) : group));
      } catch (error) {
        this.events.retried(error);
        let worst = 0;
        for (const item of group) {
          const count = (attempts.get(item.id) ?? 0) + 1;
          attempts.set(item.id, count);
          worst = Math.max(worst, count);
        }
        if (worst >= maxAttempts && group.length === 1) {
          await this.events.deadLettered(group[0]!, error);
          await this.backend.deadLetter(partition, group[0]!, describe(error), worst);
          groups.shift();
        } else if (worst >= maxAttempts) {
          groups.splice(0, 1, ...group.map((item) => [item]));
        } else {
          await this.#sleep(backoffMs(worst, retryBaseMs, maxBackoffMs));
        }
        continue;
      }
      this.events.written(group.length, performance.now() - started);
      await this.backend.ack(partition, group);
      groups.shift();
    }
    return true;
  }

  /**
   * Keeps the lease alive while a slow writer call runs, but not past `stop`: a call that hangs must
   * not keep the partition from the instance that takes over.
   */
  async #withRenewal(partition: number, call: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => {
      if (this.#running) void this.backend.lease(partition).catch(() => undefined);
      else clearInterval(timer);
    }, this.options.leaseMs / 3);
    try {
      await call();
    } finally {
      clearInterval(timer);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }
}
