import type { RedisClient } from './redis-connection.js';

/**
 * What this process knows of Redis's clock. Entries are stamped on it (this host's clock plus the
 * offset) and marks and users' writes with Redis's own time, in their scripts. So the offset is
 * taken low by the measurement's uncertainty (half the round trip, plus a millisecond for this
 * clock's resolution): a stamp never runs ahead of Redis's time, and an entry never looks newer than
 * a write or mark that Redis ran after its load began. Skew can only make those kill a little more.
 */
/** Above the rounding of a double at today's epoch milliseconds (about 0.00024). */
const STEP_MS = 0.001;

export class RedisClock {
  #low = 0;
  #mid = 0;
  /** The latest time a script told us Redis's clock had reached. */
  #seen = 0;

  constructor(private readonly client: RedisClient) {}

  /**
   * The offset for stamps: low, but never so low that a stamp is not after a time Redis reported
   * (a load equal in time to a delete's tombstone would lose to it). `now`: this host's clock, as the
   * stamp adds it (read once, or a millisecond ticking between two reads would undo the step).
   */
  stampOffset(now: number): number {
    return Math.max(this.#low, this.#seen + STEP_MS - now);
  }

  /** The measured offset itself, for deadlines (which must not be moved earlier by its uncertainty). */
  midOffset(): number {
    return this.#mid;
  }

  /** Redis reported its clock at `redisMs` (a write's stamp): what this process stamps next is later. */
  saw(redisMs: number): void {
    if (redisMs > this.#seen) this.#seen = redisMs;
  }

  async measure(): Promise<void> {
    try {
      const sent = Date.now();
      const [seconds, micros] = await this.client.time();
      const received = Date.now();
      const uncertainty = (received - sent) / 2 + 1;
      this.#mid = Number(seconds) * 1000 + Number(micros) / 1000 - (sent + received) / 2;
      this.#low = this.#mid - uncertainty;
    } catch {
      // Keep the last measurement; the next connection measures again.
    }
  }
}
