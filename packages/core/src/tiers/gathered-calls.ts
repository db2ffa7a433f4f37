import { BATCH_KEYS } from './batched-commands.js';
import { TickBatch } from './tick-batch.js';

/**
 * Single-key L2 calls gathered per node and tick (see TickBatch), so a batch of them costs one
 * guarded call (breaker, watchdog, timeout) and one command, not one of each per key: with 64 calls
 * in flight, that per-call bookkeeping cost more than the rest of a `set` or an L2 hit.
 */
export class GatheredCalls<I, R> {
  readonly #perNode = new Map<string, TickBatch<I, R>>();

  constructor(
    /** Sends one node's batch; answers each item in order, or nothing (every item answers undefined). */
    private readonly send: (node: string, batch: readonly I[]) => Promise<readonly R[] | void>,
    /** Items per batch, asked as each batch fills. */
    private readonly max: () => number = () => BATCH_KEYS,
  ) {}

  add(node: string, item: I): Promise<R> {
    let batch = this.#perNode.get(node);
    if (batch === undefined) this.#perNode.set(node, (batch = new TickBatch((items) => this.send(node, items), this.max)));
    return batch.add(item);
  }

  /** Sends what was gathered now, ahead of a command that must reach Redis after it. */
  flush(): void {
    for (const batch of this.#perNode.values()) batch.flush();
  }
}
