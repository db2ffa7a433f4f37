import { invalidArgument } from '../errors.js';
import { NAMESPACE_SEPARATOR } from '../keys/key-builder.js';

/** How much of L1 each child namespace of a namespace may hold (with everything under it). */
export interface L1ChildBudget {
  maxBytes?: number;
  maxEntries?: number;
}

/** A validated budget; a missing limit is Infinity. */
export interface L1Limits {
  readonly maxBytes: number;
  readonly maxEntries: number;
}

interface Partition {
  readonly prefix: string;
  limits: L1Limits;
}

/** What the budget needs of an L1 record: its size, and its identity. */
interface Sized {
  readonly size: number;
}

/** One child namespace's share: its records in write order, oldest first. */
class Share {
  bytes = 0;
  readonly records = new Map<string, Sized>();

  constructor(
    readonly id: string,
    readonly partition: Partition,
  ) {}
}

/** `admit`'s answer for a record that alone exceeds its budget. */
export const TOO_BIG = null;
const NONE: readonly string[] = [];

/**
 * Per-child L1 budgets: under a partitioned namespace (`<prefix>`), the entries of each child
 * (`<prefix><child>|…`) are accounted together, and a child over its budget gives up its own
 * oldest-written entries, so one child (a tenant) can never evict another's. The child is read off
 * the key: `|` ends a namespace and is escaped inside keys. Shares exist only while they hold
 * entries, so the number of children seen doesn't grow memory.
 */
export class L1Budget {
  readonly #partitions: Partition[] = [];
  readonly #shares = new Map<string, Share>();

  constructor(private readonly bounds: L1Limits) {}

  /**
   * Budgets every child of `prefix`. Each limit is capped by L1's own, so whatever fits the budget
   * fits L1 (a record L1 refused would still be charged). Registering again replaces it.
   */
  partition(prefix: string, budget: L1Limits): void {
    const limits = { maxBytes: Math.min(this.bounds.maxBytes, budget.maxBytes), maxEntries: Math.min(this.bounds.maxEntries, budget.maxEntries) };
    const existing = this.#partitions.find((partition) => partition.prefix === prefix);
    if (existing !== undefined) existing.limits = limits;
    else this.#partitions.push({ prefix, limits });
  }

  /**
   * Charges `record` to its child's share before it enters L1 and returns the keys to evict to make
   * room (the share's oldest), or TOO_BIG when the record alone exceeds the budget: then it must
   * not be stored (and the key's older record must go, since it was replaced).
   */
  admit(key: string, record: Sized): readonly string[] | typeof TOO_BIG {
    if (this.#partitions.length === 0) return NONE;
    const share = this.#shareOf(key, true);
    if (share === undefined) return NONE;
    this.#forget(share, key);
    const { maxBytes, maxEntries } = share.partition.limits;
    if (record.size > maxBytes) {
      this.#dropIfEmpty(share);
      return TOO_BIG;
    }
    const victims: string[] = [];
    for (const [victim, held] of share.records) {
      if (share.bytes + record.size <= maxBytes && share.records.size < maxEntries) break;
      victims.push(victim);
      share.records.delete(victim);
      share.bytes -= held.size;
    }
    share.records.set(key, record);
    share.bytes += record.size;
    return victims;
  }

  /** `record` left L1 (evicted, expired, deleted or replaced): its share is freed, unless a newer record holds the key. */
  release(key: string, record: Sized): void {
    if (this.#partitions.length === 0) return;
    const share = this.#shareOf(key, false);
    if (share === undefined || share.records.get(key) !== record) return;
    this.#forget(share, key);
    this.#dropIfEmpty(share);
  }

  #forget(share: Share, key: string): void {
    const held = share.records.get(key);
    if (held === undefined) return;
    share.records.delete(key);
    share.bytes -= held.size;
  }

  #dropIfEmpty(share: Share): void {
    if (share.records.size === 0) this.#shares.delete(share.id);
  }

  #shareOf(key: string, create: boolean): Share | undefined {
    const child = this.#childOf(key);
    if (child === undefined) return undefined;
    let share = this.#shares.get(child.id);
    if (share === undefined && create) this.#shares.set(child.id, (share = new Share(child.id, child.partition)));
    return share;
  }

  /** The child namespace a key belongs to, if it is under a partition (and not the partition's own key). */
  #childOf(key: string): { id: string; partition: Partition } | undefined {
    for (const partition of this.#partitions) {
      if (!key.startsWith(partition.prefix)) continue;
      const end = key.indexOf(NAMESPACE_SEPARATOR, partition.prefix.length);
      return end < 0 ? undefined : { id: key.slice(0, end + 1), partition };
    }
    return undefined;
  }
}

/** Checks a budget given to `namespace()`; throws E_INVALID_ARGUMENT naming the bad field. */
export function childLimits(budget: L1ChildBudget): L1Limits {
  if (typeof budget !== 'object' || budget === null) throw invalidArgument('l1PerChild', 'expected { maxBytes?, maxEntries? }');
  return { maxBytes: positive('l1PerChild.maxBytes', budget.maxBytes), maxEntries: positive('l1PerChild.maxEntries', budget.maxEntries) };
}

function positive(field: string, value: unknown): number {
  if (value === undefined) return Infinity;
  if (!Number.isInteger(value) || (value as number) < 1) throw invalidArgument(field, 'expected a positive integer');
  return value as number;
}
