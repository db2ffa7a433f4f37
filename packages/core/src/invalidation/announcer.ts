import type { Telemetry } from '../cache/telemetry.js';
import type { BusMessage, InvalidationBus } from './bus.js';

/** Messages kept for a retry; past this, they are replaced by one `flush`, which covers them all. */
const MAX_PENDING = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Keys changed in this turn of the event loop, announced together. */
interface Batch {
  readonly keys: string[];
  readonly sent: Promise<void>;
}

/**
 * Tells the other instances about every change, and keeps trying: a message that could not be
 * published is kept and sent again (after L2 recovers, or on a backing-off timer), so an
 * invalidation made during an outage still reaches everyone once Redis is back.
 */
export class Announcer {
  #pending: BusMessage[] = [];
  #batch: Batch | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #closed = false;

  constructor(
    private readonly bus: InvalidationBus | undefined,
    private readonly telemetry: Telemetry,
  ) {}

  get pending(): number {
    return this.#pending.length;
  }

  async announce(message: BusMessage): Promise<void> {
    if (this.bus === undefined || this.#closed) return;
    if (message.op === 'keys') return this.#coalesce(message.keys);
    await this.#publish(message);
  }

  /**
   * The keys of every write and delete made in the same turn of the event loop leave in one message,
   * sent after them (their scripts are written when their batch fills or at the end of the tick, before
   * this message), in the same round trip; each caller's promise settles once
   * it has left, or was kept for a retry. A receiver only drops the keys, so reordering a batch
   * against other messages changes nothing.
   */
  #coalesce(keys: readonly string[]): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined) {
      const batched: string[] = [];
      const sent = new Promise<void>((resolve) =>
        process.nextTick(() => {
          this.#batch = undefined;
          resolve(this.#publish({ op: 'keys', keys: batched }));
        }),
      );
      batch = this.#batch = { keys: batched, sent };
    }
    for (const key of keys) batch.keys.push(key);
    return batch.sent;
  }

  async #publish(message: BusMessage): Promise<void> {
    if (this.#closed) return;
    if (!(await this.bus!.publish(message))) this.#keep([message]);
  }

  /** Sends what is waiting; called when L2 is back. */
  async flush(): Promise<void> {
    if (this.bus === undefined || this.#pending.length === 0 || this.#closed) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const waiting = this.#pending;
    this.#pending = [];
    for (let i = 0; i < waiting.length; i++) {
      if (!(await this.bus.publish(waiting[i]!))) {
        this.#keep(waiting.slice(i));
        return;
      }
    }
    this.#retryMs = RETRY_MIN_MS;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
  }

  #keep(messages: BusMessage[]): void {
    this.#pending.push(...messages);
    if (this.#pending.length > MAX_PENDING) {
      this.telemetry.fault('publish', new Error(`more than ${MAX_PENDING} invalidation messages are waiting; they will be sent as one flush`));
      this.#pending = [{ op: 'flush' }];
    }
    if (this.#retry !== undefined || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.flush();
    }, this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }
}
