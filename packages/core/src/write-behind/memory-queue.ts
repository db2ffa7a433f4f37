import type { StoredDeadLetter, EnqueueResult, QueueBackend, StoredItem } from './queue.js';

interface Partition {
  readonly items: StoredItem[];
  /** Entries handed to the flusher and not yet acknowledged, at the head of `items`. */
  delivered: number;
  readonly latest: Map<string, { seq: number; payload: string }>;
}

/**
 * The queue without Redis: the same semantics in this process's memory. Not durable: whatever is
 * queued when the process dies is lost, which the WriteBehind reports at startup.
 */
export class MemoryQueue implements QueueBackend {
  readonly durable = false;
  readonly #partitions: Partition[];
  readonly #sequences = new Map<string, number>();
  readonly #dead = new Map<string, StoredDeadLetter>();
  #nextId = 0;

  constructor(partitions: number) {
    this.#partitions = Array.from({ length: partitions }, () => ({ items: [], delivered: 0, latest: new Map() }));
  }

  async start(): Promise<void> {}

  async enqueue(partition: number, key: string, seq: number, payload: string, max: number, enqueuedAt: number): Promise<EnqueueResult> {
    const p = this.#partitions[partition]!;
    if (p.items.length >= max) return 'full';
    const last = this.#sequences.get(key) ?? 0;
    const assigned = seq > last ? seq : last + 1;
    this.#sequences.set(key, assigned);
    const id = `${enqueuedAt}-${this.#nextId++}`;
    p.items.push({ id, key, seq: assigned, payload, enqueuedAt });
    p.latest.set(key, { seq: assigned, payload });
    return { id, seq: assigned };
  }

  async pending(partition: number, key: string): Promise<{ seq: number; payload: string } | undefined> {
    return this.#partitions[partition]!.latest.get(key);
  }

  async lease(): Promise<boolean> {
    return true;
  }

  async release(partition: number): Promise<void> {
    // A new consumer starts again from the head, as a reclaim would.
    this.#partitions[partition]!.delivered = 0;
  }

  async read(partition: number, count: number): Promise<StoredItem[]> {
    const p = this.#partitions[partition]!;
    // Like a consumer group's history: what was handed out and not acknowledged comes back first.
    p.delivered = p.delivered > 0 ? p.delivered : Math.min(count, p.items.length);
    return p.items.slice(0, p.delivered);
  }

  async ack(partition: number, items: readonly StoredItem[]): Promise<void> {
    this.#remove(partition, items);
  }

  async deadLetter(partition: number, item: StoredItem, error: string, attempts: number): Promise<void> {
    this.#remove(partition, [item]);
    const id = `${partition}/${item.id}`;
    this.#dead.set(id, { id, partition, item, error, attempts, failedAt: Date.now() });
  }

  async depth(): Promise<number> {
    return this.#partitions.reduce((sum, p) => sum + p.items.length, 0);
  }

  async oldest(): Promise<number | undefined> {
    const heads = this.#partitions.map((p) => p.items[0]?.enqueuedAt).filter((t): t is number => t !== undefined);
    return heads.length === 0 ? undefined : Math.min(...heads);
  }

  async deadLetters(limit: number): Promise<StoredDeadLetter[]> {
    return [...this.#dead.values()].slice(0, limit);
  }

  async deadLetterCount(): Promise<number> {
    return this.#dead.size;
  }

  async requeue(id: string): Promise<boolean> {
    const dead = this.#dead.get(id);
    if (dead === undefined) return false;
    this.#dead.delete(id);
    this.#partitions[dead.partition]!.items.push({ ...dead.item, id: `${Date.now()}-${this.#nextId++}` });
    return true;
  }

  async drop(id: string): Promise<boolean> {
    return this.#dead.delete(id);
  }

  #remove(partition: number, items: readonly StoredItem[]): void {
    const p = this.#partitions[partition]!;
    const ids = new Set(items.map((item) => item.id));
    const before = p.items.length;
    const kept = p.items.filter((item) => !ids.has(item.id));
    p.delivered = Math.max(0, p.delivered - (before - kept.length));
    p.items.splice(0, p.items.length, ...kept);
    for (const item of items) {
      if (p.latest.get(item.key)?.seq === item.seq) p.latest.delete(item.key);
    }
  }
}
