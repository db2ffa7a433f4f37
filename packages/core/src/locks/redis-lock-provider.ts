import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { LockRelease } from '../tiers/remote-tier.js';
import { invalidArgument, invalidOption } from '../errors.js';
import { Lease, now, type LeaseStore } from './lease.js';
import { lockTimeout, lockUnavailable, providerClosed, resolveLockOptions, type ResolvedLockOptions } from './lock-options.js';
import { LockProvider, type LockHandle, type LockOptions } from './lock-provider.js';
import { acquireScript, extendScript, releaseScript } from './redis-scripts.js';
import { carriedHeader, parseCarried, Wakeup } from './release-wakeup.js';

/**
 * For the cache's fleet load lock (not public API): takes the lock and reads `key` (which must be
 * in the lock's Cluster slot) in one script. Resolves undefined if the lock is still held after
 * `waitMs` (0: one attempt); `waited` says whether the lock was held at first. With `readFirst`
 * 'after a wait', an attempt made after a wait returns what `key` holds without taking the lock
 * (`lock` undefined): the holder stored it before releasing, or the release carried it (see
 * `writeAndReleaseScript`). 'always' does so on the first attempt too (a read that takes the lock
 * only on a miss); 'never' takes the lock whatever `key` holds.
 */
export const acquireReading = Symbol('acquireReading');

export type ReadFirst = 'never' | 'after a wait' | 'always';

export interface ReadingLock {
  /** Undefined when `key` held a value after a wait: the value is the answer, not the lock. */
  readonly lock: LockHandle | undefined;
  /** What `key` held when the lock was taken (or instead of it). */
  readonly value: string | undefined;
  readonly waited: boolean;
}

/**
 * Internal (the cache's own providers): runs one lock command through L2's breaker of the node
 * serving `key`, bounded by one command timeout; resolves undefined when it was skipped or given up on.
 */
export type LockGuard = <T>(operation: string, key: string, call: () => Promise<T>) => Promise<T | undefined>;
export const guardedBy = Symbol('guardedBy');

/**
 * For the cache's fleet load lock: hands a held lease over to a script that frees it along with
 * other work (see `writeAndReleaseScript`); undefined if it is not one of ours or has ended.
 */
export const releaseWith = Symbol('releaseWith');

/** A granted attempt: the lease, and what the script read along with it (or, after a wait, instead of it). */
type Granted = { readonly lease: Lease; readonly read: string | undefined } | { readonly lease?: undefined; readonly read: string };

/** A refused attempt: how long the holder's lease has left, and the holder's token. */
interface Held {
  readonly pttl: number;
  readonly holder: string;
}

export interface RedisLockProviderOptions {
  /** Runs the lock scripts. Left open by `close()`: it is yours. */
  client: Redis | Cluster;
  /**
   * Listens for releases. Defaults to a `duplicate()` of `client`, made on the first wait and closed by
   * `close()`; a connection you pass is only unsubscribed.
   */
  subscriber?: Redis | Cluster;
  /** Prefix of the lock keys and of the release channel. No braces: the resource is the Cluster hash tag. Default 'tc:lock:'. */
  keyPrefix?: string;
  /**
   * Default true. `false` hands out fence 0 and keeps no fence key, for locks over an unbounded set
   * of resources (one per cache key) where nothing downstream checks fences.
   */
  fencing?: boolean;
  [guardedBy]?: LockGuard;
}

/**
 * Locks shared by every process using the same Redis (or Redis Cluster). Keys per resource:
 * `<prefix>{<resource>}` holds the owner token with the lease as its TTL, and `<prefix>{<resource>}:fence`
 * the last fence handed out; it never expires, so keep resource names to a bounded set.
 *
 * @example
 * ```ts
 * const locks = new RedisLockProvider({ client: new Redis(process.env.REDIS_URL) });
 * await locks.withLock(`invoice:${id}`, (lock) => sendInvoice(id, lock.signal), { ttlMs: 30_000 });
 * ```
 */
export class RedisLockProvider extends LockProvider {
  readonly #client: Redis | Cluster;
  readonly #keyPrefix: string;
  readonly #fencing: boolean;
  readonly #channel: string;
  /** Releases that carry the value the holder stored, for fleet load locks with waiters. */
  readonly #valueChannel: string;
  readonly #guard: LockGuard | undefined;
  #subscriber: Redis | Cluster | undefined;
  readonly #ownsSubscriber: boolean;
  #subscribed: Promise<unknown> | undefined;
  readonly #waiters = new Map<string, Set<Wakeup>>();
  readonly #leases = new Set<Lease>();
  #closed = false;

  readonly #store: LeaseStore = {
    extend: async (resource, token, ttlMs) =>
      (await this.#send('lockExtend', resource, () => extendScript.run(this.#client, [this.#lockKey(resource)], [token, ttlMs]))) === 1,
    // A release Redis did not take leaves the lease to expire: never an error for the holder, who is done.
    release: async (resource, token) =>
      (await this.#send('lockRelease', resource, () => this.#releaseCommand(resource, token)).catch(
        (error: unknown) => {
          if (this.#guard !== undefined) return 0;
          throw error;
        },
      )) === 1,
    forget: (lease) => this.#leases.delete(lease),
  };

  constructor(options: RedisLockProviderOptions) {
    super();
    if (!options?.client) throw invalidOption('client', 'expected an ioredis Redis or Cluster client');
    const keyPrefix = options.keyPrefix ?? 'tc:lock:';
    if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
      throw invalidOption('keyPrefix', 'expected a string without braces (the resource name is the hash tag)');
    }
    this.#client = options.client;
    this.#fencing = options.fencing ?? true;
    this.#subscriber = options.subscriber;
    this.#ownsSubscriber = !options.subscriber;
    this.#keyPrefix = keyPrefix;
    this.#channel = `${keyPrefix}released`;
    this.#valueChannel = `${keyPrefix}released:value`;
    this.#guard = options[guardedBy];
  }

  override async tryAcquire(resource: string, options?: LockOptions): Promise<LockHandle | undefined> {
    const resolved = this.#resolve(resource, options);
    const result = await this.#attempt(resource, randomUUID(), resolved);
    return 'pttl' in result ? undefined : result.lease;
  }

  override async acquire(resource: string, options?: LockOptions): Promise<LockHandle> {
    const resolved = this.#resolve(resource, options);
    const granted = await this.#acquire(resource, resolved, undefined);
    if (granted?.lease === undefined) throw lockTimeout(resource, resolved.waitMs);
    return granted.lease;
  }

  async [acquireReading](resource: string, key: string, options: LockOptions, readFirst: ReadFirst = 'after a wait'): Promise<ReadingLock | undefined> {
    const granted = await this.#acquire(resource, this.#resolve(resource, options), key, readFirst);
    return granted && { lock: granted.lease, value: granted.read, waited: granted.waited };
  }

  /** Undefined when the lock is still held after `waitMs`. */
  async #acquire(
    resource: string,
    resolved: ResolvedLockOptions,
    read: string | undefined,
    readFirst: ReadFirst = 'never',
  ): Promise<(Granted & { waited: boolean }) | undefined> {
    const deadline = now() + resolved.waitMs;
    const token = randomUUID();
    // A free lock costs one round trip and no subscription.
    const first = await this.#attempt(resource, token, resolved, read, readFirst === 'always');
    if (!('pttl' in first)) return { ...first, waited: false };
    if (resolved.waitMs === 0) return undefined;

    // Every later attempt is made registered and subscribed, so a release landing between a failed
    // attempt and the wait after it still wakes us; one that slipped in before we subscribed is seen
    // by the attempt right after subscribing.
    this.#assertOpen(resource);
    const wakeup = this.#register(resource);
    try {
      // Connecting the subscriber counts against waitMs too.
      await Promise.race([this.#subscribe(), wakeup.wait(deadline - now())]);
      for (;;) {
        this.#assertOpen(resource);
        wakeup.reset();
        const result = await this.#attempt(resource, token, resolved, read, readFirst !== 'never', true);
        if (!('pttl' in result)) return { ...result, waited: true };
        const remaining = deadline - now();
        if (remaining <= 0) return undefined;
        // A holder that dies sends no release message: also retry the moment its lease runs out.
        // PTTL is -1 only for a key someone set without a TTL; then only a release can free it.
        const { pttl, holder } = result;
        await wakeup.wait(pttl >= 0 ? Math.min(Math.max(pttl, 1), remaining) : remaining);
        // Written by the holder we saw just before it released: what an attempt with read-first would return.
        const carried = read === undefined ? undefined : wakeup.carriedBy(holder);
        if (carried !== undefined) return { read: carried, waited: true };
      }
    } finally {
      this.#unregister(resource, wakeup);
    }
  }

  [releaseWith](lock: LockHandle): LockRelease | undefined {
    if (!(lock instanceof Lease) || !this.#leases.has(lock) || !lock.handOver()) return undefined;
    const lockKey = this.#lockKey(lock.resource);
    const { resource } = lock;
    return {
      lockKey,
      token: lock.token,
      channel: this.#channel,
      resource,
      waitingKey: `${lockKey}:waiting`,
      valueChannel: this.#valueChannel,
      valueHeader: carriedHeader(resource, lock.token),
    };
  }

  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wakeups of this.#waiters.values()) for (const wakeup of wakeups) wakeup.wake();
    for (const lease of this.#leases) lease.revoke(providerClosed(lease.resource));

    const subscriber = this.#subscriber;
    if (!subscriber) return;
    subscriber.off('message', this.#onMessage);
    if (this.#ownsSubscriber) {
      subscriber.disconnect();
    } else if (this.#subscribed) {
      // Not awaited: our listener is already gone, and a disconnected subscriber would hold shutdown
      // hostage until it reconnects.
      subscriber.unsubscribe(this.#channel, this.#valueChannel).catch(() => undefined);
    }
  }

  #resolve(resource: string, options: LockOptions | undefined): ResolvedLockOptions {
    const resolved = resolveLockOptions(resource, options);
    // `{}x}` would leave an empty hash tag, putting the lock and fence keys in different Cluster slots.
    if (resource.startsWith('}')) throw invalidArgument('lock resource', `"${resource}" must not start with "}"`);
    this.#assertOpen(resource);
    return resolved;
  }

  #assertOpen(resource: string): void {
    if (this.#closed) throw providerClosed(resource);
  }

  #lockKey(resource: string): string {
    return `${this.#keyPrefix}{${resource}}`;
  }

  /**
   * One attempt: the lease (and `read`'s value) if we got the lock, `read`'s value alone with
   * `readFirst` if it holds one, else the current holder. `waiting`: made subscribed, so the
   * holder's release may carry `read`'s value to us.
   */
  async #attempt(resource: string, token: string, options: ResolvedLockOptions, read?: string, readFirst = false, waiting = false): Promise<Granted | Held> {
    const lockKey = this.#lockKey(resource);
    const sentAt = now();
    const keys = [lockKey, `${lockKey}:fence`];
    if (read !== undefined) keys.push(read);
    if (read !== undefined && waiting) keys.push(`${lockKey}:waiting`);
    const args = [token, options.ttlMs, this.#fencing ? 1 : 0, readFirst ? 1 : 0];
    const [acquired, value, readValue] = (await this.#send('lock', resource, () => acquireScript.run(this.#client, keys, args), (late) => {
      // Given up on, yet taken: nobody holds this lease, so hand it straight back. Not through the
      // breaker, which may not have seen the node come back yet: this reply is the node answering.
      if ((late as [number])[0] === 1) void this.#releaseCommand(resource, token).catch(() => undefined);
    })) as [number, number, string | null | undefined];
    if (acquired === 2) return { read: readValue! };
    if (acquired !== 1) return { pttl: value, holder: readValue! };

    const lease = new Lease(this.#store, resource, token, value, { ...options, sentAt });
    if (this.#closed) {
      // Closed while the script ran: hand the lock straight back instead of leaving it to expire.
      await lease.release();
      throw providerClosed(resource);
    }
    this.#leases.add(lease);
    return { lease, read: readValue ?? undefined };
  }

  /**
   * Sends one lock command, through the guard if there is one: skipped or given up on, it fails with
   * E_LOCK_UNAVAILABLE, and `late` gets its reply should it still arrive.
   */
  async #send<T>(operation: string, resource: string, call: () => Promise<T>, late?: (reply: T) => void): Promise<T> {
    if (this.#guard === undefined) return call();
    let sent: Promise<T> | undefined;
    const reply = await this.#guard(operation, this.#lockKey(resource), () => (sent = call()));
    if (reply !== undefined) return reply;
    if (late !== undefined) void sent?.then(late, () => undefined);
    throw lockUnavailable(resource);
  }

  #releaseCommand(resource: string, token: string): Promise<unknown> {
    return releaseScript.run(this.#client, [this.#lockKey(resource)], [token, this.#channel, resource]);
  }

  #register(resource: string): Wakeup {
    const wakeup = new Wakeup();
    let wakeups = this.#waiters.get(resource);
    if (!wakeups) this.#waiters.set(resource, (wakeups = new Set()));
    wakeups.add(wakeup);
    return wakeup;
  }

  #unregister(resource: string, wakeup: Wakeup): void {
    wakeup.dispose();
    const wakeups = this.#waiters.get(resource);
    wakeups?.delete(wakeup);
    if (wakeups?.size === 0) this.#waiters.delete(resource);
  }

  /** One subscription per provider, shared by every waiter; messages name the released resource. */
  #subscribe(): Promise<unknown> {
    if (this.#subscribed) return this.#subscribed;
    const subscriber = (this.#subscriber ??= duplicateForSubscribing(this.#client));
    subscriber.on('message', this.#onMessage);
    const subscribed = subscriber.subscribe(this.#channel, this.#valueChannel).catch((error: unknown) => {
      subscriber.off('message', this.#onMessage);
      this.#subscribed = undefined;
      throw error;
    });
    this.#subscribed = subscribed;
    return subscribed;
  }

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel === this.#channel) {
      for (const wakeup of this.#waiters.get(message) ?? []) wakeup.wake();
      return;
    }
    const carried = channel === this.#valueChannel ? parseCarried(message) : undefined;
    // Kept, not a wake-up: the waiter takes it once it knows the holder, and the plain release follows.
    if (carried !== undefined) for (const wakeup of this.#waiters.get(carried.resource) ?? []) wakeup.carry(carried.holder, carried.value);
  };
}

/**
 * Our own subscriber queues SUBSCRIBE until it is connected even if the application's client fails fast
 * (enableOfflineQueue: false): a fresh connection is never connected yet, and acquire bounds the wait.
 */
function duplicateForSubscribing(client: Redis | Cluster): Redis | Cluster {
  const queued = { enableOfflineQueue: true };
  return client.isCluster ? (client as Cluster).duplicate(undefined, queued) : (client as Redis).duplicate(queued);
}
