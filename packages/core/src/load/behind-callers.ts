import { settlesWithin } from './settles-within.js';

/**
 * What a settled load still sends once its callers have their value: the L2 write of the value, then
 * the release of its fleet lock (after the write has landed, so a waiter it wakes finds the value).
 * `drain()` lets close() wait for these (each is bounded by a command timeout), so a process that
 * shuts down right after answering leaves no lock held and no value unwritten. Loaders still running
 * are not tracked.
 */
export class BehindCallers {
  readonly #pending = new Set<Promise<void>>();

  /** `writeBoundMs`: how long a release waits for its write (which the tier bounds itself) at most. */
  constructor(private readonly writeBoundMs: number) {}

  /** Sends `release` once `written` settled (either way) or its bound passed; failures are the tier's to count. */
  track(written: Promise<void> | undefined, release: (() => Promise<void>) | undefined): void {
    if (written === undefined && release === undefined) return;
    // A lock held until a write that never answers would be renewed for ever, and every other
    // process would wait on it up to its load bound.
    const landed = written === undefined ? Promise.resolve() : settlesWithin(written, this.writeBoundMs);
    const done = landed.then(release).then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
  }

  async drain(): Promise<void> {
    await Promise.all(this.#pending);
  }
}
