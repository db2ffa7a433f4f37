import type { Found } from './flights.js';

/** How a flight answers its callers: once, possibly before its work is done. */
export class Reply {
  #answered = false;
  readonly promise: Promise<Found | undefined>;
  #resolve!: (found: Found | undefined) => void;
  #reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => ((this.#resolve = resolve), (this.#reject = reject)));
    this.promise.catch(() => undefined); // a background refresh may have nobody listening
  }

  get answered(): boolean {
    return this.#answered;
  }

  answer(found: Found | undefined): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#resolve(found);
  }

  fail(error: unknown): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#reject(error);
  }
}
