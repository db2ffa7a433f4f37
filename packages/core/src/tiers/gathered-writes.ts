import { BATCH_KEYS } from './batched-commands.js';
import type { RemoteWrite } from './remote-tier.js';
import { TickBatch } from './tick-batch.js';

const maxItems = () => BATCH_KEYS;

/**
 * Single-key writes gathered per node and tick (see TickBatch), so a batch of up to BATCH_KEYS
 * writes costs one guarded L2 call, one script and one watchdog entry, not one of each per write:
 * with 64 sets in flight, that per-write bookkeeping cost more than the rest of `set`.
 */
export class GatheredWrites {
  readonly #perNode = new Map<string, TickBatch<RemoteWrite, void>>();

  constructor(private readonly writeTo: (node: string, batch: readonly RemoteWrite[]) => Promise<void>) {}

  add(node: string, item: RemoteWrite): Promise<void> {
    let batch = this.#perNode.get(node);
    if (batch === undefined) this.#perNode.set(node, (batch = new TickBatch((items) => this.writeTo(node, items), maxItems)));
    return batch.add(item);
  }

  /** Sends what was gathered now, ahead of a command that must reach Redis after it. */
  flush(): void {
    for (const batch of this.#perNode.values()) batch.flush();
  }
}
