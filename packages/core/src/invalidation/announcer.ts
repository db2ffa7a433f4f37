import type { Telemetry } from '../cache/telemetry.js';
import { BATCH_KEYS } from '../tiers/batched-commands.js';
import type { BusMessage, InvalidationBus } from './bus.js';

/** Messages kept for a retry; past this, they are replaced by one `flush`, which covers them all. */
const MAX_PENDING = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Keys changed in this turn of the event loop, announced together. */
interface Batch {
  readonly keys: string[];
  readonly sent: Promise<void>;
  readonly resolve: (published: Promise<void>) => void;
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
    /** Whether a user's writes and deletes announce their keys in their own scripts (see `RemoteTier.carryAnnouncements`). */
    readonly carriedByWrites = false,
  ) {}

  get pending(): number {
    return this.#pending.length;
  }

  /** Not async: a write's announcement is its tick's shared promise, with no frame of its own. */
  announce(message: BusMessage): Promise<void> {
    if (this.bus === undefined || this.#closed) return Promise.resolve();
    return message.op === 'keys' ? this.#coalesce(message.keys) : this.#publish(message);
  }

  /**
   * Where writes do not carry their own announcement (a cluster), the keys of the writes and
   * deletes made in one turn of the event loop leave together, in
   * messages of up to BATCH_KEYS keys: one leaves as soon as it is full, as the writes' own scripts
   * do, so a write's caller waits for its own batch, not for every write of the tick. Each message
   * is sent after the writes of its keys (publishing sends the writes gathered so far first), in
   * the same round trip; each caller's promise settles once its message has left, or was kept for
   * a retry. A receiver only drops the keys, so reordering messages changes nothing.
   */
  #coalesce(keys: readonly string[]): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined) {
      let resolve!: (published: Promise<void>) => void;
      const sent = new Promise<void>((settle) => (resolve = settle));
      const opened = (batch = this.#batch = { keys: [], sent, resolve });
      process.nextTick(() => this.#send(opened));
    }
    for (const key of keys) batch.keys.push(key);
    if (batch.keys.length >= BATCH_KEYS) this.#send(batch);
    return batch.sent;
  }

  /** Publishes `batch`, unless it has left already (it filled up before the end of its tick). */
  #send(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = undefined;
    batch.resolve(this.#publish({ op: 'keys', keys: batch.keys }));
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

  /** Keys whose write failed, and with it, maybe, the announcement it carried: sent again like any message kept. */
  missed(keys: string[]): void {
    if (this.bus === undefined || this.#closed) return;
    this.bus.skip();
    this.#keep([{ op: 'keys', keys }]);
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
