import { CALL_OPTIONS } from '../cache/option-shapes.js';
import { resolveEntryOptions, resolveTags } from '../cache/options.js';
import type { Scope } from '../cache/scope.js';
import type { StaleReason } from '../cache/telemetry.js';
import { loadAbandoned, loaderTimeout } from '../errors.js';
import type { LockHandle } from '../locks/lock-provider.js';
import type { L2Read } from '../read/l2-reader.js';
import type { WriteSettings } from '../write/writer.js';
import { BehindCallers } from './behind-callers.js';
import type { FleetLock } from './fleet-lock.js';
import { answerFromL2, fallbackFromL2 } from './from-l2.js';
import type { Flight, Found } from './flights.js';
import type { Fallback, LoadDeps, LoadRequest } from './load-runner.js';
import type { Loader, LoaderContext } from './loader.js';
import { Reply } from './reply.js';
import { boundedBy, settlesWithin } from './settles-within.js';

/** A flight's work, as it began. */
export interface Load {
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

/**
 * A flight's load, once its L2 read missed (or while it goes with the lock attempt): the fleet lock,
 * the loader within its bounds, grace and fail-safe, and storing the value it returns.
 */
export class Loading {
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

  /** The fleet lock a load with these settings takes now, if any (only while L2 is up). */
  fleetLockFor(settings: WriteSettings): FleetLock | undefined {
    return settings.distributed && this.deps.l2?.available === true ? this.deps.fleetLock : undefined;
  }

  /** A load, after the L2 read missed (or goes with the lock attempt): its Reply may answer early, with a stale value. */
  run(load: Load, found: L2Read | undefined, readsWithLock: boolean): Promise<Found | undefined> {
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
    const { telemetry } = this.deps;
    const fleetLock = this.fleetLockFor(settings);
    const loader = request.loader!;
    const { label, refreshOf } = request;
    const background = refreshOf !== undefined;
    const fromL2 = found?.stale ? fallbackFromL2(this.deps.l1, found) : undefined;
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
    if (fleetLock !== undefined) {
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
        return answerFromL2(this.deps, key, flight, locked.found, settings);
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
