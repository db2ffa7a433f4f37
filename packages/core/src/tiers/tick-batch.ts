type Resolve<R> = (result: R) => void;
type Reject = (error: unknown) => void;
type Sent<R> = Promise<readonly R[] | void>;

/**
 * Gathers the calls made in one tick into one multi-item command, sent once the tick's microtasks
 * are done (the batch is scheduled with `process.nextTick`, which runs after them), or as soon as it is
 * full: 64 concurrent L2 hits cost ioredis a few MGETs to build and parse, not 64 GETs. Calls
 * leave in the order they were made, and each settles with its item's answer, or with the batch's
 * error if the batch fails. `send` answers the items in order, or nothing (each then answers undefined).
 */
export class TickBatch<I, R> {
  #items: I[] = [];
  #resolves: Resolve<R>[] = [];
  #rejects: Reject[] = [];
  readonly #flush = () => this.flush();

  constructor(
    private readonly send: (items: readonly I[]) => Sent<R>,
    /** Items per command, asked as each batch fills: it may follow what the items weigh. */
    private readonly max: () => number,
  ) {}

  add(item: I): Promise<R> {
    if (this.#items.length >= this.max()) this.flush();
    if (this.#items.length === 0) process.nextTick(this.#flush);
    this.#items.push(item);
    return new Promise<R>((resolve, reject) => {
      this.#resolves.push(resolve);
      this.#rejects.push(reject);
    });
  }

  /** Sends what was gathered now; the tick's scheduled call finds nothing left if the batch went early. */
  flush(): void {
    const items = this.#items;
    if (items.length === 0) return;
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#items = [];
    this.#resolves = [];
    this.#rejects = [];
    let sent: Sent<R>;
    try {
      sent = this.send(items);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (results) => {
        for (let i = 0; i < resolves.length; i++) resolves[i]!(results?.[i] as R);
      },
      (error: unknown) => {
        for (const reject of rejects) reject(error);
      },
    );
  }
}
