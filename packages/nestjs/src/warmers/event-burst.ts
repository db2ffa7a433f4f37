import type { WarmerEvent } from './warmer-context.js';

/**
 * Coalesces a burst of events into one warmer run: the first event opens a window of `windowMs`, and
 * every event until it closes joins the same run (its context gets them all). Runs of one warmer
 * follow each other: a window that closes while a run is going waits for it instead of being lost.
 */
export class EventBurst {
  #pending: WarmerEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly windowMs: number,
    private readonly run: (events: readonly WarmerEvent[]) => Promise<unknown>,
  ) {}

  add(event: WarmerEvent): void {
    if (this.#stopped) return;
    this.#pending.push(event);
    this.#timer ??= setTimeout(() => this.#flush(), this.windowMs);
  }

  /** Drops what has not started; a run already going is ended by the runner's own stop. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  #flush(): void {
    this.#timer = undefined;
    const events = this.#pending.splice(0);
    this.#chain = this.#chain.then(() => (this.#stopped ? undefined : this.run(events))).catch(() => undefined);
  }
}
