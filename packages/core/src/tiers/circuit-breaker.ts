export interface CircuitBreakerOptions {
  /**
   * Failures within the last 10 s that open the breaker, provided they are at least a quarter of
   * the commands of that window. A timeout of a silent node opens it at once.
   */
  failureThreshold: number;
  /** First wait between probes that fail fast (an error reply, no connection), in ms; doubles on each. */
  openMs: number;
  /** Longest wait between such probes, in ms. */
  maxOpenMs: number;
}

/** The failure-rate window, in buckets of a second, so a busy node costs a few counters, not a list. */
const WINDOW_MS = 10_000;
const BUCKET_MS = 1_000;
/**
 * The share of failed commands (with at least `failureThreshold` of them) that opens the breaker. Low,
 * because a node can fail one kind of command and answer others (out of memory: writes fail, reads
 * and publishes succeed), and a rare error among thousands of commands must still not open it.
 */
const FAILURE_RATE = 0.25;

interface Bucket {
  start: number;
  ok: number;
  failed: number;
}

/**
 * The breaker of one Redis node. It opens on a timeout of a node that answered nothing meanwhile (a
 * node that does not answer costs every caller a full command timeout, so one is enough to stop
 * sending), or when failures reach
 * `failureThreshold` and a quarter of the commands of the window: a rate, so a few successes in
 * between (other keys, another shard) cannot keep a failing node in use. The owner probes while it
 * is open and closes it on the first answer.
 */
export class CircuitBreaker {
  readonly #buckets: Bucket[] = [];
  #open = false;
  #nextProbeMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.#nextProbeMs = options.openMs;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  recordSuccess(now = Date.now()): void {
    this.#bucket(now).ok++;
  }

  /** `silent`: a timeout of a node that answered nothing meanwhile. Returns true when this failure opened the breaker. */
  recordFailure(silent: boolean, now = Date.now()): boolean {
    this.#bucket(now).failed++;
    if (this.#open) return false;
    let ok = 0;
    let failed = 0;
    for (const bucket of this.#buckets) {
      ok += bucket.ok;
      failed += bucket.failed;
    }
    if (!silent && (failed < this.options.failureThreshold || failed < FAILURE_RATE * (ok + failed))) return false;
    this.#open = true;
    return true;
  }

  /** A probe was answered: returns true when this closed the breaker (with a clean window). */
  close(): boolean {
    this.#nextProbeMs = this.options.openMs;
    this.#buckets.length = 0;
    if (!this.#open) return false;
    this.#open = false;
    return true;
  }

  /** Delay before the next probe after one that failed fast; each call backs off further, up to `maxOpenMs`. */
  takeProbeDelay(): number {
    const delay = this.#nextProbeMs;
    this.#nextProbeMs = Math.min(delay * 2, this.options.maxOpenMs);
    return delay;
  }

  #bucket(now: number): Bucket {
    const start = now - (now % BUCKET_MS);
    const last = this.#buckets.at(-1);
    if (last !== undefined && last.start === start) return last;
    while (this.#buckets.length > 0 && this.#buckets[0]!.start <= now - WINDOW_MS) this.#buckets.shift();
    const bucket = { start, ok: 0, failed: 0 };
    this.#buckets.push(bucket);
    return bucket;
  }
}
