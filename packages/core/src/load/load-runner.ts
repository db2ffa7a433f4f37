import type { Clock } from '../cache/clock.js';
import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { MarkStore } from '../invalidation/marks.js';
import type { CacheLogger } from '../logger.js';
import type { L1Record, L1Store } from '../read/l1-store.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';
import { refreshAheadDue, xfetchDue } from '../stampede/early-refresh.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';
import type { WriteSettings, Writer } from '../write/writer.js';
import type { FleetLock } from './fleet-lock.js';
import type { Flight, Flights, Found } from './flights.js';
import { answerFromL2, fallbackFromL2, handOut } from './from-l2.js';
import { Loading, type Load } from './loading.js';
import type { Loader } from './loader.js';

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
  readonly #loading: Loading;

  constructor(private readonly deps: LoadDeps) {
    this.#loading = new Loading(deps);
  }

  /** Resolves once what settled loads still send (writes, lock releases) has gone out: see BehindCallers. */
  drain(): Promise<void> {
    return this.#loading.drain();
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
    // Callers who join in the turn the flight began in make it a stampede on a cold key, most
    // likely: the lock attempt, which reads too, leaves as the first of them joins (its round trip
    // overlaps the arrival of the others) and answers instead of the read. The read goes at once all
    // the same: a lone caller, the path of every L2 hit, waits for no decision, and a stampede's
    // read costs one GET in the lock attempt's round trip.
    if (!this.#mayReadWithLock(settings, request)) return this.#read(load, undefined);
    let locking: Promise<Found | undefined> | undefined;
    this.deps.flights.whenJoinedThisTurn(flight, () => (locking = this.#loading.run(load, undefined, true)));
    return this.#read(load, () => locking);
  }

  /**
   * The L2 read, answering a hit itself and going on to load otherwise; unless `locking` gives the
   * lock attempt that callers joining in the flight's first turn started, which answers instead.
   */
  #read(load: Load, locking: (() => Promise<Found | undefined> | undefined) | undefined): Promise<Found | undefined> {
    const { scope, key, flight, settings, request } = load;
    const { reader, telemetry, flights } = this.deps;
    const { loader, label, refreshOf } = request;
    const read = reader === undefined ? Promise.resolve(undefined) : reader.one(scope, key, loader === undefined ? 0 : settings.grace);
    return read.then(
      (found) => {
        const locked = locking?.();
        if (locked !== undefined) return locked;
        try {
          if (found === undefined || found.stale || (refreshOf !== undefined && found.entry.createdAt <= refreshOf)) {
            if (loader !== undefined) return this.#loading.run(load, found, false);
            telemetry.miss(key, label);
            flights.end(key, flight);
            return undefined;
          }
          flights.end(key, flight);
          if (refreshOf === undefined) {
            telemetry.hit(key, 'l2', label);
            // Without L1 every hit is an L2 hit: early refresh is decided here. It starts once this flight is over.
            if (loader !== undefined && this.refreshDue(found.entry, settings, Date.now())) {
              const fallback = fallbackFromL2(this.deps.l1, found);
              setImmediate(() => this.#refreshFrom(scope, key, settings, loader, label, fallback));
            }
          }
          return answerFromL2(this.deps, key, flight, found, settings);
        } catch (error) {
          flights.end(key, flight);
          throw error;
        }
      },
      (error: unknown) => {
        const locked = locking?.();
        if (locked !== undefined) return locked;
        flights.end(key, flight);
        throw error;
      },
    );
  }

  /**
   * Whether a load's L2 read may go with its fleet lock attempt, in one script: a fresh entry is
   * the answer and the lock is taken only on a miss. Not for a refresh (which wants a newer value)
   * nor with grace (which wants a stale entry as a fallback).
   */
  #mayReadWithLock(settings: WriteSettings, request: LoadRequest): boolean {
    return request.loader !== undefined && request.refreshOf === undefined && settings.grace <= 0 && this.deps.reader !== undefined && this.#loading.fleetLockFor(settings) !== undefined;
  }

  /** An L2 read's value, not kept in L1 (see `L1Store.handOut`). */
  handOut(found: L2Read): unknown {
    return handOut(this.deps.l1, found);
  }
}
