import type { Clock } from '../cache/clock.js';
import { CALL_OPTIONS } from '../cache/option-shapes.js';
import { resolveEntryOptions, resolveTags } from '../cache/options.js';
import type { Scope } from '../cache/scope.js';
import type { Telemetry, StaleReason } from '../cache/telemetry.js';
import { loadAbandoned, loaderTimeout } from '../errors.js';
import type { MarkStore } from '../invalidation/marks.js';
import type { CacheLogger } from '../logger.js';
import type { L1Record, L1Store } from '../read/l1-store.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';
import type { WriteSettings, Writer } from '../write/writer.js';
import type { LockHandle } from '../locks/lock-provider.js';
import type { FleetLock } from './fleet-lock.js';
import type { Flight, Flights, Found } from './flights.js';
import { BehindCallers } from './behind-callers.js';
import { Reply } from './reply.js';
import { boundedBy, settlesWithin } from './settles-within.js';
import { refreshAheadDue, xfetchDue } from '../stampede/early-refresh.js';
import type { Loader, LoaderContext } from './loader.js';

/** A value to fall back on while (or when) a load fails: the entry, its marks, and how to hand it out. */
export interface Fallback {
  readonly entry: CacheEntry;
  readonly rawLength: number;
  readonly marks: readonly string[];
  readonly value: () => unknown;
}

export interface LoadRequest {
  readonly loader?: Loader<unknown>;
  readonly label?: string;
  /** Refreshes in the background an entry created at that time: nobody waits, and no older L2 entry counts. */
  readonly refreshOf?: number;
  /** A stale value the caller already has (from L1), for grace and fail-safe. */
  readonly fallback?: Fallback;
}

/** A flight's work, as it began. */
interface Load {
  readonly scope: Scope;
  readonly key: string;
  readonly flight: Flight;
  readonly settings: WriteSettings;
  readonly request: LoadRequest;
  /** `performance.now()` past which its callers get a timeout (Infinity without a hard timeout). */
  readonly deadline: number;
  /** Its value's creation time. */
  readonly startedAt: number;
}

/** A loaded value as callers get it, and its L2 write, which they do not wait for. */
interface Stored {
  readonly found: Found;
  readonly written: Promise<void> | undefined;
  /** Whether the write also frees the load's fleet lock (one script). */
  readonly releases: boolean;
}

export interface LoadDeps {
  readonly l1: L1Store | undefined;
  readonly l2: ResilientTier | undefined;
  readonly reader: L2Reader | undefined;
  readonly writer: Writer;
  readonly flights: Flights;
  readonly marks: MarkStore;
  readonly fleetLock: FleetLock | undefined;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  readonly logger: CacheLogger;
}

/**
 * Runs flights: the L2 read, and with a loader the fleet lock, the load and storing its value, all
 * within one deadline (`hardTimeout`), with grace (`softTimeout` bounds how long a caller with a stale
 * value waits for a fresh one) and fail-safe (a failed load serves the stale value, throttled).
 */
export class LoadRunner {
  #serializationWarned = false;
  #abandonWarned = false;
  readonly #behind: BehindCallers;

  constructor(private readonly deps: LoadDeps) {
    // A write waits for at most one command timeout, plus one for the first connection.
    this.#behind = new BehindCallers(2 * (deps.l2?.inner.commandTimeoutMs() ?? 500));
  }

  /** Resolves once what settled loads still send (writes, lock releases) has gone out: see BehindCallers. */
  drain(): Promise<void> {
    return this.#behind.drain();
  }

  /** Starts the one flight for `key`. Without a loader it only reads L2. */
  start(scope: Scope, key: string, settings: WriteSettings, request: LoadRequest = {}): Flight {
    return this.deps.flights.begin(key, request.loader !== undefined, (flight) => this.#fly(scope, key, flight, settings, request));
  }

  /** Refreshes `key` in the background, unless a flight for it is already under way. */
  refresh(scope: Scope, key: string, settings: WriteSettings, loader: Loader<unknown>, label: string | undefined, record: L1Record): void {
    this.#refreshFrom(scope, key, settings, loader, label, this.fallbackOf(record));
  }

  #refreshFrom(scope: Scope, key: string, settings: WriteSettings, loader: Loader<unknown>, label: string | undefined, fallback: Fallback): void {
    if (this.deps.flights.joinable(key) !== undefined) return;
    // Nobody waits for a refresh: its failures were counted where they happened.
    this.start(scope, key, settings, { loader, label, refreshOf: fallback.entry.createdAt, fallback }).promise.catch(() => undefined);
  }

  /** Whether a fresh hit should also refresh in the background (refresh-ahead or XFetch). */
  refreshDue(entry: CacheEntry, settings: WriteSettings, now: number): boolean {
    return (
      refreshAheadDue(now, entry.createdAt, entry.expiresAt, settings.refreshAhead) ||
      xfetchDue(now, entry.expiresAt, entry.loadMs ?? 0, settings.earlyRefreshBeta, Math.random)
    );
  }

  fallbackOf(record: L1Record): Fallback {
    return { entry: record, rawLength: 0, marks: record.marks, value: () => this.deps.l1!.read(record) };
  }

  /**
   * A flight's answer. An L2 hit takes no async frame and no Reply: it is the path of every L2 hit;
   * only a flight that goes on to load may answer early (a stale value), so only a load has a Reply.
   */
  #fly(scope: Scope, key: string, flight: Flight, settings: WriteSettings, request: LoadRequest): Promise<Found | undefined> {
    const deadline = settings.hardTimeout > 0 ? performance.now() + settings.hardTimeout : Infinity;
    // The entry's creation time is when its load began: an invalidation after that kills it.
    const startedAt = this.deps.clock.stamp();
    const load: Load = { scope, key, flight, settings, request, deadline, startedAt };
    // Callers who joined in the tick the flight began in make it a stampede on a cold key, most
    // likely: its read goes with the lock attempt, not a round trip ahead of it.
    if (!this.#mayReadWithLock(settings, request)) return this.#read(load);
    // The tick's other callers join first.
    return Promise.resolve(load).then((load) => (this.deps.flights.joined(flight) ? this.#loaded(load, undefined, true) : this.#read(load)));
  }

  /** The L2 read, answering a hit itself and going on to load otherwise. */
  #read(load: Load): Promise<Found | undefined> {
    const { scope, key, flight, settings, request } = load;
    const { reader, telemetry, flights } = this.deps;
    const { loader, label, refreshOf } = request;
    const read = reader === undefined ? Promise.resolve(undefined) : reader.one(scope, key, loader === undefined ? 0 : settings.grace);
    return read.then(
      (found) => {
        try {
          if (found === undefined || found.stale || (refreshOf !== undefined && found.entry.createdAt <= refreshOf)) {
            if (loader !== undefined) return this.#loaded(load, found, false);
            telemetry.miss(key, label);
            flights.end(key, flight);
            return undefined;
          }
          flights.end(key, flight);
          if (refreshOf === undefined) {
            telemetry.hit(key, 'l2', label);
            // Without L1 every hit is an L2 hit: early refresh is decided here. It starts once this flight is over.
            if (loader !== undefined && this.refreshDue(found.entry, settings, Date.now())) {
              const fallback = { ...found, value: () => this.handOut(found) };
              setImmediate(() => this.#refreshFrom(scope, key, settings, loader, label, fallback));
            }
          }
          return this.#fromL2(key, flight, found, settings);
        } catch (error) {
          flights.end(key, flight);
          throw error;
        }
      },
      (error: unknown) => {
        flights.end(key, flight);
        throw error;
      },
    );
  }

  /** A load, after the L2 read missed (or went with the lock): its Reply may answer early, with a stale value. */
  #loaded(load: Load, found: L2Read | undefined, readsWithLock: boolean): Promise<Found | undefined> {
    const reply = new Reply();
    const { key, flight } = load;
    this.#load(load, found, readsWithLock, reply).then(
      (found) => (this.deps.flights.end(key, flight), reply.answer(found)),
      (error: unknown) => (this.deps.flights.end(key, flight), reply.fail(error)),
    );
    return reply.promise;
  }

  async #load(load: Load, found: L2Read | undefined, readsWithLock: boolean, reply: Reply): Promise<Found | undefined> {
    const { scope, key, flight, settings, request, deadline, startedAt } = load;
    const { l2, telemetry, fleetLock } = this.deps;
    const loader = request.loader!;
    const { label, refreshOf } = request;
    const background = refreshOf !== undefined;
    const fromL2 = found?.stale ? { ...found, value: () => this.handOut(found) } : undefined;
    const fallback =
      request.fallback !== undefined && (fromL2 === undefined || request.fallback.entry.createdAt >= fromL2.entry.createdAt)
        ? request.fallback
        : fromL2;
    const serveStale = (reason: StaleReason) => {
      if (background || reply.answered || fallback === undefined) return;
      telemetry.staleServed(key, reason, label);
      reply.answer({ value: fallback.value(), createdAt: fallback.entry.createdAt, marks: fallback.marks });
    };
    if (!background && fallback === undefined && !readsWithLock) telemetry.miss(key, label);
    // Stale-while-revalidate: without a soft timeout the callers get the stale value now.
    if (settings.softTimeout <= 0) serveStale('grace');

    let release: (() => Promise<void>) | undefined;
    let held: LockHandle | undefined;
    if (settings.distributed && fleetLock !== undefined && l2?.available) {
      // A waiter gives up at its own load bound too, and then loads itself.
      const waitUntil = settings.loadTimeout > 0 ? Math.min(deadline, performance.now() + settings.loadTimeout) : deadline;
      const locked = await fleetLock.acquire(scope, key, label, waitUntil, background, readsWithLock);
      if (readsWithLock && locked.found === undefined && fallback === undefined) telemetry.miss(key, label);
      if (locked.busy) {
        // A refresh leaves the key to the holder; a wait that the call's deadline ended is its timeout
        // (one ended by the load bound falls through: the caller loads itself).
        if (background) return undefined;
        if (waitUntil === deadline) return this.#failSafe(key, fallback, settings, serveStale, loaderTimeout(key, settings.hardTimeout));
      }
      if (locked.lock !== undefined) {
        const lock = (held = locked.lock);
        release = () => lock.release().then(
          () => undefined,
          () => undefined,
        );
      }
      if (locked.found !== undefined) {
        // Stored by the holder before we got the lock: hand it straight back, behind the callers.
        this.#behind.track(undefined, release);
        return this.#fromL2(key, flight, locked.found, settings);
      }
      if (release === undefined && performance.now() >= deadline) return this.#failSafe(key, fallback, settings, serveStale, loaderTimeout(key, settings.hardTimeout));
    }

    let stored = settings;
    const context: LoaderContext = {
      key,
      setOptions: (changes) => {
        CALL_OPTIONS.write.check(changes, 'setOptions');
        stored = {
          ...resolveEntryOptions(changes, stored, 'setOptions.'),
          tags: changes.tags === undefined ? stored.tags : resolveTags(changes.tags, 'setOptions.tags'),
        };
      },
    };
    const loadStarted = performance.now();
    const storing = this.#runLoader(context, loader, label, settings.loadTimeout, () => this.#abandon(key, flight, settings.loadTimeout)).then((value) =>
      this.#store(scope, key, flight, value, stored, startedAt, performance.now() - loadStarted, held),
    );
    // Callers get the value once L1 has it; the lock is released once L2 has it too (or the load
    // failed or was abandoned), so processes waiting on the lock find it there. The L2 write never
    // delays a caller.
    void storing.then(
      ({ written, releases }) => this.#behind.track(written, releases ? undefined : release),
      () => this.#behind.track(undefined, release),
    );
    const loading = storing.then(({ found }) => found);
    loading.catch(() => undefined); // observed below, or on purpose not at all once a timeout answered

    try {
      if (fallback !== undefined && settings.softTimeout > 0 && !(await settlesWithin(loading, Math.min(settings.softTimeout, deadline - performance.now())))) {
        serveStale('timeout');
      }
      if (deadline !== Infinity && !(await settlesWithin(loading, deadline - performance.now()))) {
        throw loaderTimeout(key, settings.hardTimeout);
      }
      return await loading;
    } catch (error) {
      const result = this.#failSafe(key, fallback, settings, serveStale, error);
      await loading.catch(() => undefined);
      return result;
    }
  }

  /**
   * Whether a load's L2 read may go with its fleet lock attempt, in one script: a fresh entry is
   * the answer and the lock is taken only on a miss. Not for a refresh (which wants a newer value)
   * nor with grace (which wants a stale entry as a fallback).
   */
  #mayReadWithLock(settings: WriteSettings, request: LoadRequest): boolean {
    const { l2, reader, fleetLock } = this.deps;
    return request.loader !== undefined && request.refreshOf === undefined && settings.grace <= 0 && settings.distributed && fleetLock !== undefined && reader !== undefined && l2?.available === true;
  }

  /** Fail-safe: the stale value again, and no new attempt until the throttle has passed. */
  #failSafe(
    key: string,
    fallback: Fallback | undefined,
    settings: WriteSettings,
    serveStale: (reason: StaleReason) => void,
    error: unknown,
  ): undefined {
    if (fallback === undefined) throw error;
    this.deps.l1?.throttle(key, fallback, settings);
    serveStale('fail-safe');
    return undefined;
  }

  #fromL2(key: string, flight: Flight, found: L2Read, settings: WriteSettings): Found {
    const { l1, flights } = this.deps;
    // An invalidation that arrived while Redis answered wins: serve the answer, don't keep it.
    const keep = l1 !== undefined && found.trusted && flights.current(key, flight);
    const value = keep ? l1.fill(key, found, settings) : this.handOut(found);
    return { value, createdAt: found.entry.createdAt, marks: found.marks };
  }

  /** An L2 read's value, not kept in L1 (see `L1Store.handOut`). */
  handOut(found: L2Read): unknown {
    const { l1 } = this.deps;
    return l1 === undefined ? found.entry.value : l1.handOut(found.entry);
  }

  /**
   * Past the load bound the flight is abandoned: nobody joins it any more, its lock is released (it
   * is only held until `loading` settles) and a late value is never stored, so it cannot land over
   * whatever the callers who loaded after it stored.
   */
  #abandon(key: string, flight: Flight, boundMs: number): Error {
    this.deps.flights.abandon(key, flight);
    if (!this.#abandonWarned) {
      this.#abandonWarned = true;
      this.deps.logger.warn(`the loader for "${key}" did not settle within ${boundMs} ms (loadTimeout) and was abandoned; further ones are counted as load errors`);
    }
    return loadAbandoned(key, boundMs);
  }

  async #runLoader(context: LoaderContext, loader: Loader<unknown>, label: string | undefined, boundMs: number, abandon: () => Error): Promise<unknown> {
    const { telemetry } = this.deps;
    const { key } = context;
    const started = performance.now();
    telemetry.stats.loads++;
    try {
      const value = await boundedBy(loader(context), boundMs, abandon);
      telemetry.events.emit('load', { key, durationMs: performance.now() - started, label });
      return value;
    } catch (error) {
      telemetry.stats.loadErrors++;
      telemetry.events.emit('load', { key, durationMs: performance.now() - started, error, label });
      throw error;
    }
  }

  /**
   * Stores a loaded value unless something invalidated it while it loaded (a write, a delete, or a
   * mark of one of its tags); one that cannot be cached is still returned, and the problem reported.
   */
  #store(scope: Scope, key: string, flight: Flight, value: unknown, settings: WriteSettings, createdAt: number, loadMs: number, lock?: LockHandle): Stored {
    const marks = scope.marksOf(settings.tags);
    const invalidated = !this.deps.flights.current(key, flight) || this.deps.marks.judge(createdAt, marks, Date.now()).verdict === 'dead';
    if (invalidated) return { found: { value, createdAt, marks }, written: undefined, releases: false };
    let prepared;
    try {
      prepared = this.deps.writer.prepare(scope, key, value, settings, createdAt, { loadMs });
    } catch (error) {
      this.deps.telemetry.localFault('serialize', error, key);
      if (!this.#serializationWarned) {
        this.#serializationWarned = true;
        this.deps.logger.warn(`a loader for "${key}" returned a value that cannot be cached: ${(error as Error).message}`);
      }
      return { found: { value, createdAt, marks }, written: undefined, releases: false };
    }
    // L1 is filled now; L2 when the write lands.
    let releases = false;
    const releaseWith = () => {
      const spec = lock === undefined ? undefined : this.deps.fleetLock?.releaseWith(lock);
      releases = spec !== undefined;
      return spec;
    };
    const written = this.deps.writer.store({ key, prepared }, releaseWith);
    return { found: { value: prepared === undefined ? value : prepared.value, createdAt, marks }, written, releases };
  }
}
