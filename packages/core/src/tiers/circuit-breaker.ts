export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** First wait before probing an open breaker, in ms; doubles on each failed probe. */
  openMs: number;
  /** Longest wait between probes, in ms. */
  maxOpenMs: number;
}

/** Counts consecutive failures; the owner probes while it is open and closes it on success. */
export class CircuitBreaker {
  #failures = 0;
  #open = false;
  #nextProbeMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.#nextProbeMs = options.openMs;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Returns true when this success closed an open breaker. */
  recordSuccess(): boolean {
    this.#failures = 0;
    this.#nextProbeMs = this.options.openMs;
    if (!this.#open) return false;
    this.#open = false;
    return true;
  }

  /** Returns true when this failure opened the breaker. */
  recordFailure(): boolean {
    this.#failures++;
    if (this.#open || this.#failures < this.options.failureThreshold) return false;
    this.#open = true;
    return true;
  }

  /** Delay before the next probe; each call backs off further, up to `maxOpenMs`. */
  takeProbeDelay(): number {
    const delay = this.#nextProbeMs;
    this.#nextProbeMs = Math.min(delay * 2, this.options.maxOpenMs);
    return delay;
  }
}
