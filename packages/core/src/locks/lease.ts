import { ErrorCode, TiercacheError } from '../errors.js';
import { validateTtl } from './lock-options.js';
import type { LockHandle } from './lock-provider.js';

/** Monotonic milliseconds: lease arithmetic must not jump when the wall clock is adjusted. */
export const now = (): number => performance.now();

/** What a lease needs from the provider that granted it. */
export interface LeaseStore {
  /** Atomically renews the lease if `token` still holds it. */
  extend(resource: string, token: string, ttlMs: number): Promise<boolean>;
  /** Atomically frees the lock if `token` still holds it. */
  release(resource: string, token: string): Promise<boolean>;
  /** The lease ended (released, lost or revoked): the provider stops tracking it. */
  forget(lease: Lease): void;
}

export interface LeaseGrant {
  readonly ttlMs: number;
  readonly watchdog: boolean;
  /** When the acquiring call was sent: the store's clock started no earlier, so the lease cannot outlive sentAt + ttl. */
  readonly sentAt: number;
}

/**
 * A held lock, shared by both providers. It keeps its own conservative view of when the lease runs out,
 * so it can renew it in time (watchdog) or abort `signal` when it cannot vouch for it any more.
 */
export class Lease implements LockHandle {
  readonly #store: LeaseStore;
  readonly #controller = new AbortController();
  readonly #watchdog: boolean;
  #ttlMs: number;
  #validUntil: number;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #released: Promise<boolean> | undefined;

  constructor(
    store: LeaseStore,
    readonly resource: string,
    readonly token: string,
    readonly fence: number,
    grant: LeaseGrant,
  ) {
    this.#store = store;
    this.#ttlMs = grant.ttlMs;
    this.#watchdog = grant.watchdog;
    this.#validUntil = grant.sentAt + grant.ttlMs;
    this.#schedule(grant.sentAt);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  async extend(ttlMs: number = this.#ttlMs): Promise<boolean> {
    validateTtl(ttlMs);
    if (this.#ended) return false;
    const sentAt = now();
    const extended = await this.#store.extend(this.resource, this.token, ttlMs);
    if (this.#ended) return false;
    if (!extended) {
      this.revoke(leaseLost(this.resource, 'another owner holds it or it expired'));
      return false;
    }
    this.#ttlMs = ttlMs;
    this.#renewed(sentAt);
    return true;
  }

  release(): Promise<boolean> {
    this.#released ??= this.#release();
    return this.#released;
  }

  /**
   * For a release sent another way (in the script that stores a loaded value): ends the lease
   * locally, as `release()` would, without sending anything. False if it had ended already.
   */
  handOver(): boolean {
    if (this.#ended) return false;
    this.#released = Promise.resolve(true);
    this.#end();
    return true;
  }

  /** Ends the lease locally and aborts `signal` with `reason`; the store is left as it is. */
  revoke(reason: Error): void {
    if (this.#ended) return;
    this.#end();
    this.#controller.abort(reason);
  }

  async #release(): Promise<boolean> {
    this.#end();
    // Even a lease we gave up on may still be ours in the store (our clock is the conservative one), and
    // freeing it lets the next holder in without waiting for it to expire.
    return this.#store.release(this.resource, this.token);
  }

  #end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#store.forget(this);
  }

  #renewed(sentAt: number): void {
    this.#validUntil = sentAt + this.#ttlMs;
    this.#schedule(sentAt);
  }

  /** Without a watchdog the timer only marks the end of the lease; with one it renews it every ttl/3. */
  #schedule(from: number): void {
    clearTimeout(this.#timer);
    const at = this.#watchdog ? from + this.#ttlMs / 3 : this.#validUntil;
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, at - now()));
    // A lease alone must not keep the process alive: whatever work holds it does that.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (!this.#watchdog) {
      this.revoke(leaseLost(this.resource, `its ${this.#ttlMs} ms lease ran out (watchdog off)`));
      return;
    }
    const sentAt = now();
    let extended: boolean;
    try {
      extended = await this.#store.extend(this.resource, this.token, this.#ttlMs);
    } catch (error) {
      if (this.#ended) return;
      // A failed call does not mean the lease is gone. Retry while a renewal can still land in time,
      // and give up (abort) a tick before the lease may lapse rather than after.
      const retryAt = now() + this.#ttlMs / 3;
      if (retryAt >= this.#validUntil) {
        this.revoke(leaseLost(this.resource, 'the watchdog could not renew it in time', error));
      } else {
        this.#schedule(now());
      }
      return;
    }
    if (this.#ended) return;
    if (extended) this.#renewed(sentAt);
    else this.revoke(leaseLost(this.resource, 'another owner holds it or it expired'));
  }
}

function leaseLost(resource: string, why: string, cause?: unknown): TiercacheError {
  return new TiercacheError(ErrorCode.LockLost, `Lock "${resource}" was lost: ${why}. Stop work that relies on holding it.`, { cause });
}
