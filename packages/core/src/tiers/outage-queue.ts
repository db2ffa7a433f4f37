import type { CacheLogger } from '../logger.js';
import type { MarkWrite, RemoteTier } from './remote-tier.js';

/** Tombstones replace what L2 may still hold for a key this long: longer than any load may take to land. */
export const TOMBSTONE_MS = 60_000;

/** What a replay wrote to L2, for the other instances to hear about. */
export interface Replayed {
  readonly removedKeys: readonly string[];
  readonly marks: readonly MarkWrite[];
  readonly patterns: readonly string[];
}

/**
 * What L2 missed while it was unreachable, replayed when it is back. Writes are never replayed: a
 * cache may drop a write, but must not let one land over a newer write or delete of another
 * instance. A failed write or delete becomes a tombstone stamped with its time instead, written by
 * the same conditional script as every entry, so it removes only what is older than it. Marks and
 * pattern deletes are replayed as they were (marks keep the later time, so order does not matter).
 */
export class OutageQueue {
  readonly #removals = new Map<string, number>();
  readonly #marks = new Map<string, MarkWrite>();
  readonly #patterns: string[] = [];
  #retentionMs = 0;
  #overflowLogged = false;

  constructor(
    private readonly maxPending: number,
    private readonly logger: CacheLogger,
  ) {}

  get size(): number {
    return this.#removals.size + this.#marks.size + this.#patterns.length;
  }

  remove(key: string, at: number): void {
    if ((this.#removals.get(key) ?? -Infinity) >= at) return;
    this.#removals.delete(key);
    this.#removals.set(key, at);
    if (this.#removals.size <= this.maxPending) return;
    this.#removals.delete(this.#removals.keys().next().value as string);
    if (!this.#overflowLogged) {
      this.#overflowLogged = true;
      this.logger.error(
        `more than ${this.maxPending} L2 removals are waiting for Redis; the oldest are dropped, so L2 may serve entries older than this instance's writes until they expire.`,
      );
    }
  }

  mark(mark: MarkWrite, retentionMs: number): void {
    const id = `${mark.mode}\u0000${mark.key}`;
    const known = this.#marks.get(id);
    if (known === undefined || known.at < mark.at) this.#marks.set(id, mark);
    this.#retentionMs = Math.max(this.#retentionMs, retentionMs);
  }

  pattern(pattern: string): void {
    this.#patterns.push(pattern);
  }

  /**
   * Writes what is queued, marks first; what fails stays queued (the error is thrown). Only the
   * marks and removals of keys `only` accepts (those of the nodes in use), and pattern deletes,
   * which need every node, only `withPatterns`.
   */
  async replay(inner: RemoteTier, tombstone: (at: number) => string, only: (key: string) => boolean, withPatterns: boolean): Promise<Replayed> {
    const marks = [...this.#marks.values()].filter((mark) => only(mark.key));
    const stored = marks.length > 0 ? await inner.writeMarks(marks, this.#retentionMs) : [];
    marks.forEach((mark, i) => {
      const id = `${mark.mode}\u0000${mark.key}`;
      if (this.#marks.get(id) === mark) this.#marks.delete(id);
      marks[i] = { ...mark, at: stored[i] ?? mark.at };
    });
    const patterns: string[] = [];
    while (withPatterns && this.#patterns.length > 0) {
      await inner.deleteMatching(this.#patterns[0]!);
      patterns.push(this.#patterns.shift()!);
    }
    const removals = [...this.#removals].filter(([key]) => only(key));
    for (let i = 0; i < removals.length; i += 500) {
      const batch = removals.slice(i, i + 500);
      await inner.write(batch.map(([key, at]) => ({ key, value: tombstone(at), ttlMs: TOMBSTONE_MS, createdAt: at, conditional: true })));
      for (const [key, at] of batch) if (this.#removals.get(key) === at) this.#removals.delete(key);
    }
    if (this.size === 0) this.#overflowLogged = false;
    return { removedKeys: removals.map(([key]) => key), marks, patterns };
  }
}
