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
 * The callers of one kind (the same `read` and `unwrap`) who joined a flight since it last answered
 * them. They share one promise: a thousand callers on a cold key cost one resolve, and no object
 * each. Should they have to go round, the first one's `start` takes them all, as each would have
 * joined the flight the first one started.
 */
interface Wave {
  readonly start: () => Flight;
  readonly read: boolean;
  /** Whether its callers want the value itself (a getOrSet) rather than the box. */
  readonly unwrap: boolean;
  readonly promise: Promise<unknown>;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A flight with the waves of callers who joined it since its promise last answered them. */
interface Underway extends Flight {
  promise: Promise<Found | undefined>;
  waves: Wave[] | undefined;
  /** Called once, when the first other caller joins (see `whenJoinedThisTurn`). */
  onJoined: (() => void) | undefined;
}

/** A getOrSet's answer: the value itself (a getOrSet never misses). One function for every call. */
const valueOf = (found: Found | undefined): unknown => found!.value;

function newWave(start: () => Flight, read: boolean, unwrap: boolean): Wave {
  let resolve!: (result: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { start, read, unwrap, promise, resolve, reject };
}

/**
 * The flights under way, and the one owner of "an invalidated flight is not joinable": a flight
 * whose key was written, deleted or swept since it began is invisible to new callers (they start
 * their own), and a joiner never takes a value that a tag or clear mark has killed since.
 */
export class Flights {
  readonly #flights = new Map<string, Underway>();
  /** Flights given up on (their loader outlasted the load bound): their joiners load for themselves. */
  readonly #abandoned = new WeakSet<Flight>();
  /** Flights whose `onJoined` is armed until the end of the turn. */
  #armed: Underway[] = [];
  readonly #disarm = (): void => {
    const armed = this.#armed;
    this.#armed = [];
    for (const flight of armed) flight.onJoined = undefined;
  };

  constructor(
    private readonly epochs: Epochs,
    private readonly marks: MarkStore,
  ) {}

  /** The flight a new caller may join, if any. */
  joinable(key: string): Flight | undefined {
    return this.#joinable(key);
  }

  /**
   * Calls `joined` as soon as another caller joins `flight`, once, after that caller has joined; if
   * that happens in the turn the flight began in (before the next microtask).
   */
  whenJoinedThisTurn(flight: Flight, joined: () => void): void {
    const underway = flight as Underway;
    underway.onJoined = joined;
    // One microtask disarms the whole turn's flights.
    if (this.#armed.push(underway) === 1) queueMicrotask(this.#disarm);
  }

  /** Whether nothing has changed `key` since `flight` began: its result may still be kept. */
  current(key: string, flight: Flight): boolean {
    return !this.epochs.changedSince(key, flight.began);
  }

  /** Starts the flight of `key`, whose answer `fly` gives; it is joinable from the moment `fly` is called. */
  begin(key: string, loads: boolean, fly: (flight: Flight) => Promise<Found | undefined>): Flight {
    const flight: Underway = { promise: undefined!, loads, began: this.epochs.now(), waves: undefined, onJoined: undefined };
    this.#flights.set(key, flight);
    try {
      flight.promise = fly(flight);
    } catch (error) {
      this.end(key, flight);
      throw error;
    }
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
   * looks again, and loads for itself rather than join the flight it came from twice.
   */
  joinOrStart(key: string, start: () => Flight, read: boolean): Promise<Found | undefined> {
    return this.#join(key, start, read, false, undefined) as Promise<Found | undefined>;
  }

  /** `joinOrStart` for a getOrSet, resolving with the value (never a miss: a getOrSet loads). */
  valueOf(key: string, start: () => Flight): Promise<unknown> {
    return this.#join(key, start, false, true, undefined);
  }

  #joinable(key: string): Underway | undefined {
    const flight = this.#flights.get(key);
    return flight !== undefined && this.current(key, flight) ? flight : undefined;
  }

  /** Callers with the same `read` and `unwrap` join as one wave. `passed`: the flight a wave going round came from. */
  #join(key: string, start: () => Flight, read: boolean, unwrap: boolean, passed: Flight | undefined): Promise<unknown> {
    const flight = this.#joinable(key);
    if (flight === undefined || flight === passed) {
      const promise = start().promise;
      return unwrap ? promise.then(valueOf) : promise;
    }
    let waves = flight.waves;
    if (waves === undefined) {
      // One reaction answers every wave: the answer is judged once, not once per caller.
      waves = flight.waves = [];
      flight.promise.then(
        (found) => this.#answer(key, flight, found),
        (error: unknown) => this.#fail(key, flight, error),
      );
    }
    for (const wave of waves) if (wave.read === read && wave.unwrap === unwrap) return wave.promise;
    const wave = newWave(start, read, unwrap);
    waves.push(wave);
    const joined = flight.onJoined;
    flight.onJoined = undefined;
    joined?.();
    return wave.promise;
  }

  #answer(key: string, flight: Underway, found: Found | undefined): void {
    const waves = this.#take(flight);
    const killed = found !== undefined && this.marks.judge(found.createdAt, found.marks, Date.now()).verdict === 'dead';
    for (const wave of waves) {
      if (found === undefined && wave.read) wave.resolve(undefined);
      else if (found === undefined || killed) this.#goRound(key, flight, wave);
      else wave.resolve(wave.unwrap ? found.value : found);
    }
  }

  #fail(key: string, flight: Underway, error: unknown): void {
    const waves = this.#take(flight);
    const abandoned = this.#abandoned.has(flight);
    for (const wave of waves) {
      if (abandoned) this.#goRound(key, flight, wave);
      else if (wave.read) wave.resolve(undefined);
      else wave.reject(error);
    }
  }

  /** The waves the answer is for; whoever joins after it (a flight that answered early) waits for it anew. */
  #take(flight: Underway): Wave[] {
    const waves = flight.waves!;
    flight.waves = undefined;
    return waves;
  }

  #goRound(key: string, flight: Flight, wave: Wave): void {
    try {
      wave.resolve(this.#join(key, wave.start, wave.read, wave.unwrap, flight));
    } catch (error) {
      wave.reject(error);
    }
  }
}
