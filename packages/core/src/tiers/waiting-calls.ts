/** A call waiting on a node, until it settles or is rejected for it. */
export class Waiting {
  constructor(
    /** `performance.now()` when the call was made. */
    readonly sentAt: number,
    /** Until it settles: dropped then, so a settled call still queued holds nothing (its reply least of all). */
    public reject: ((error: Error) => void) | undefined,
  ) {}

  settle(): void {
    this.reject = undefined;
  }
}

/** Past this many settled calls at the head, the queue drops them (amortized O(1) per call). */
const COMPACT_AT = 1_024;

/**
 * The calls waiting on one node, oldest first. Every L2 command passes through here, so a call that
 * settles is only flagged: a Set's add and delete per call cost more than the rest of the
 * bookkeeping, and the flagged calls leave from the head when the sweep passes them.
 */
export class WaitingCalls {
  #calls: Waiting[] = [];
  #head = 0;

  add(sentAt: number, reject: (error: Error) => void): Waiting {
    const waiting = new Waiting(sentAt, reject);
    this.#calls.push(waiting);
    return waiting;
  }

  /** Whether any call may still be waiting (settled ones the sweep has not passed yet count). */
  get any(): boolean {
    return this.#head < this.#calls.length;
  }

  /** Rejects, with `error(sentAt)`, every unsettled call made at or before `late`. */
  expire(late: number, error: (sentAt: number) => Error): void {
    const calls = this.#calls;
    let head = this.#head;
    for (; head < calls.length; head++) {
      const waiting = calls[head]!;
      const { reject } = waiting;
      if (reject !== undefined) {
        if (waiting.sentAt > late) break;
        waiting.settle();
        reject(error(waiting.sentAt));
      }
    }
    this.#drop(head);
  }

  /** Rejects every unsettled call with `error`. */
  release(error: Error): void {
    this.expire(Infinity, () => error);
  }

  #drop(head: number): void {
    if (head >= this.#calls.length) {
      this.#calls = [];
      this.#head = 0;
    } else if (head >= COMPACT_AT) {
      this.#calls = this.#calls.slice(head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
  }
}
