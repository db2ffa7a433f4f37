import type { Epochs } from '../invalidation/epochs.js';
import type { MarkStore } from '../invalidation/marks.js';

/** A hit, boxed so that a cached `undefined` is never mistaken for a miss. */
export interface Found {
  readonly value: unknown;
  /** When the value's load began, and the marks that can kill it: what a joiner judges it by. */
  readonly createdAt: number;
  readonly marks: readonly string[];
}

/**
 * One L2 read (and, when `loads`, loader run) shared by every concurrent caller of a key. It may
 * answer its callers early (a stale value) and go on loading in the background.
 */
export interface Flight {
  readonly promise: Promise<Found | undefined>;
  readonly loads: boolean;
  /** `Epochs.now()` when it began. */
  readonly began: number;
}

/**
 * The flights under way, and the one owner of "an invalidated flight is not joinable": a flight
 * whose key was written, deleted or swept since it began is invisible to new callers (they start
 * their own), and a joiner never takes a value that a tag or clear mark has killed since.
 */
export class Flights {
  readonly #flights = new Map<string, Flight>();
  /** Flights given up on (their loader outlasted the load bound): their joiners load for themselves. */
  readonly #abandoned = new WeakSet<Flight>();

  constructor(
    private readonly epochs: Epochs,
    private readonly marks: MarkStore,
  ) {}

  /** The flight a new caller may join, if any. */
  joinable(key: string): Flight | undefined {
    const flight = this.#flights.get(key);
    return flight !== undefined && this.current(key, flight) ? flight : undefined;
  }

  /** Whether nothing has changed `key` since `flight` began: its result may still be kept. */
  current(key: string, flight: Flight): boolean {
    return !this.epochs.changedSince(key, flight.began);
  }

  begin(key: string, promise: Promise<Found | undefined>, loads: boolean): Flight {
    const flight: Flight = { promise, loads, began: this.epochs.now() };
    this.#flights.set(key, flight);
    return flight;
  }

  /** Called before the flight's final answer, so a caller looping on flights never finds it again. */
  end(key: string, flight: Flight): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  /** Gives up on a flight whose loader never settled: new callers start their own, joiners rejoin. */
  abandon(key: string, flight: Flight): void {
    this.#abandoned.add(flight);
    this.end(key, flight);
  }

  /**
   * Joins the flight of `key` a new caller may join, or starts one with `start`, in the same tick as
   * the check so that concurrent callers share one flight. `read`: a plain read (`get`, `has`), for
   * which another caller's loader error is a miss, not an error, and so is a read-only flight's miss.
   * A joiner takes the flight's answer in one step, unless it must go round: the value was killed
   * after it joined, the flight was abandoned, or a read-only flight missed for a getOrSet. It then
   * looks again, and loads for itself rather than join `passed`, the flight it came from, twice.
   */
  joinOrStart(key: string, start: () => Flight, read: boolean, passed?: Flight): Promise<Found | undefined> {
    const flight = this.joinable(key);
    if (flight === undefined || flight === passed) return start().promise;
    return flight.promise.then(
      (found) => {
        if (found === undefined) return read ? undefined : this.joinOrStart(key, start, read, flight);
        const killed = this.marks.judge(found.createdAt, found.marks, Date.now()).verdict === 'dead';
        return killed ? this.joinOrStart(key, start, read, flight) : found;
      },
      (error: unknown) => {
        if (this.#abandoned.has(flight)) return this.joinOrStart(key, start, read, flight);
        if (read) return undefined;
        throw error;
      },
    );
  }
}
