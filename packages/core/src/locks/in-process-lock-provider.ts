import { randomUUID } from 'node:crypto';
import { Lease, now, type LeaseStore } from './lease.js';
import { lockTimeout, providerClosed, resolveLockOptions, type ResolvedLockOptions } from './lock-options.js';
import { LockProvider, type LockHandle, type LockOptions } from './lock-provider.js';

interface Waiter {
  readonly options: ResolvedLockOptions;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Slot {
  holder: { readonly token: string; expiresAt: number } | undefined;
  /** FIFO: a freed lock goes straight to the head, so no later caller can barge in. */
  readonly waiters: Waiter[];
  /** Fires when the holder's lease runs out while others wait; one per resource, not per waiter. */
  expiry: NodeJS.Timeout | undefined;
}

/**
 * Locks that exclude callers within this process only: for tests, and for single-instance deployments.
 *
 * @example
 * ```ts
 * const locks = new InProcessLockProvider();
 * await locks.withLock('rebuild-index', () => rebuildIndex());
 * ```
 */
export class InProcessLockProvider extends LockProvider {
  readonly #slots = new Map<string, Slot>();
  readonly #leases = new Set<Lease>();
  // One counter for every resource is still strictly increasing per resource, and lets an idle
  // resource be forgotten entirely instead of keeping its last fence forever.
  #fence = 0;
  #closed = false;

  readonly #store: LeaseStore = {
    extend: async (resource, token, ttlMs) => {
      const holder = this.#settle(resource)?.holder;
      if (holder?.token !== token) return false;
      holder.expiresAt = now() + ttlMs;
      return true;
    },
    release: async (resource, token) => {
      const slot = this.#settle(resource);
      if (slot?.holder?.token !== token) return false;
      slot.holder = undefined;
      this.#settle(resource);
      return true;
    },
    forget: (lease) => this.#leases.delete(lease),
  };

  override async tryAcquire(resource: string, options?: LockOptions): Promise<LockHandle | undefined> {
    const resolved = resolveLockOptions(resource, options);
    this.#assertOpen(resource);
    return this.#settle(resource) ? undefined : this.#grant(resource, this.#slot(resource), resolved);
  }

  override async acquire(resource: string, options?: LockOptions): Promise<LockHandle> {
    const resolved = resolveLockOptions(resource, options);
    this.#assertOpen(resource);
    if (!this.#settle(resource)) return this.#grant(resource, this.#slot(resource), resolved);
    if (resolved.waitMs === 0) throw lockTimeout(resource, resolved.waitMs);

    const slot = this.#slot(resource);
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        options: resolved,
        resolve,
        reject,
        timer: setTimeout(() => {
          slot.waiters.splice(slot.waiters.indexOf(waiter), 1);
          this.#settle(resource);
          reject(lockTimeout(resource, resolved.waitMs));
        }, resolved.waitMs),
      };
      slot.waiters.push(waiter);
      this.#watchExpiry(resource, slot);
    });
  }

  override async close(): Promise<void> {
    this.#closed = true;
    for (const [resource, slot] of this.#slots) {
      clearTimeout(slot.expiry);
      for (const waiter of slot.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(providerClosed(resource));
      }
    }
    this.#slots.clear();
    for (const lease of this.#leases) lease.revoke(providerClosed(lease.resource));
  }

  #assertOpen(resource: string): void {
    if (this.#closed) throw providerClosed(resource);
  }

  #slot(resource: string): Slot {
    let slot = this.#slots.get(resource);
    if (!slot) {
      slot = { holder: undefined, waiters: [], expiry: undefined };
      this.#slots.set(resource, slot);
    }
    return slot;
  }

  #grant(resource: string, slot: Slot, options: ResolvedLockOptions): Lease {
    const token = randomUUID();
    const sentAt = now();
    slot.holder = { token, expiresAt: sentAt + options.ttlMs };
    const lease = new Lease(this.#store, resource, token, ++this.#fence, { ...options, sentAt });
    this.#leases.add(lease);
    return lease;
  }

  /**
   * Brings a resource up to date: drops an expired holder, hands a free lock to the longest waiter,
   * and forgets the resource once nobody holds or wants it. Returns the slot while someone holds it.
   */
  #settle(resource: string): Slot | undefined {
    const slot = this.#slots.get(resource);
    if (!slot) return undefined;
    if (slot.holder && slot.holder.expiresAt <= now()) slot.holder = undefined;
    const next = slot.holder ? undefined : slot.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(this.#grant(resource, slot, next.options));
    }
    if (!slot.holder) {
      clearTimeout(slot.expiry);
      this.#slots.delete(resource);
      return undefined;
    }
    this.#watchExpiry(resource, slot);
    return slot;
  }

  /** Waiters are not polled: one timer per resource wakes them when the current lease would lapse. */
  #watchExpiry(resource: string, slot: Slot): void {
    clearTimeout(slot.expiry);
    slot.expiry = undefined;
    if (!slot.holder || slot.waiters.length === 0) return;
    slot.expiry = setTimeout(() => this.#settle(resource), Math.max(0, slot.holder.expiresAt - now()));
    slot.expiry.unref();
  }
}
