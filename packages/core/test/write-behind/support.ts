import { randomUUID } from 'node:crypto';
import { WriteBehind, type TieredCache, type WriteBehindOptions, type WriteItem } from '../../src/index.js';
import { silentLogger } from '../support/redis.js';

/** A pretend database: rows guarded by sequence (the documented recipe), and every call it took. */
export class FakeDatabase<T = unknown> {
  readonly rows = new Map<string, { seq: number; value: T }>();
  readonly calls: WriteItem<T>[][] = [];
  /** Applied writes in order, per key: what a per-key order check reads. */
  readonly applied = new Map<string, number[]>();
  failing: ((item: WriteItem<T>) => boolean) | undefined;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  readonly writer = async (batch: readonly WriteItem<T>[]): Promise<void> => {
    this.calls.push([...batch]);
    await this.#gate;
    const bad = batch.find((item) => this.failing?.(item));
    if (bad !== undefined) throw new Error(`database refused ${bad.key}`);
    for (const item of batch) {
      const row = this.rows.get(item.key);
      if (row !== undefined && row.seq >= item.seq) continue;
      this.rows.set(item.key, { seq: item.seq, value: item.value });
      this.applied.set(item.key, [...(this.applied.get(item.key) ?? []), item.seq]);
    }
  };

  /** Writer calls wait until `open()`: the writes stay queued meanwhile. */
  close(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  open(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  get written(): number {
    return [...this.applied.values()].reduce((sum, seqs) => sum + seqs.length, 0);
  }
}

/** Builds write-behinds on unique names and closes them after each test. */
export class WriteBehinds {
  readonly #open: WriteBehind<any>[] = [];

  build<T>(cache: TieredCache, db: FakeDatabase<T>, options: Partial<WriteBehindOptions<T>> = {}): WriteBehind<T> {
    const wb = new WriteBehind<T>({
      name: `wb-${randomUUID().slice(0, 8)}`,
      cache,
      writer: db.writer,
      flushEveryMs: 10,
      retryBaseMs: 5,
      maxBackoffMs: 50,
      leaseMs: 1_000,
      logger: silentLogger,
      ...options,
    });
    this.#open.push(wb);
    return wb;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((wb) => wb.close(1_000)));
  }
}
