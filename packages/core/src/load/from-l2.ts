import type { L1Store } from '../read/l1-store.js';
import type { L2Read } from '../read/l2-reader.js';
import type { WriteSettings } from '../write/writer.js';
import type { Flight, Flights, Found } from './flights.js';
import type { Fallback } from './load-runner.js';

/** An L2 read's value, not kept in L1 (see `L1Store.handOut`). */
export function handOut(l1: L1Store | undefined, found: L2Read): unknown {
  return l1 === undefined ? found.entry.value : l1.handOut(found.entry);
}

/** A flight's answer from an L2 read, kept in L1 unless an invalidation arrived while Redis answered: that one wins. */
export function answerFromL2(deps: { readonly l1: L1Store | undefined; readonly flights: Flights }, key: string, flight: Flight, found: L2Read, settings: WriteSettings): Found {
  const { l1, flights } = deps;
  const keep = l1 !== undefined && found.trusted && flights.current(key, flight);
  const value = keep ? l1.fill(key, found, settings) : handOut(l1, found);
  return { value, createdAt: found.entry.createdAt, marks: found.marks };
}

/** An L2 entry to fall back on (a stale one for grace, or a fresh one a refresh replaces), handed out when used. */
export function fallbackFromL2(l1: L1Store | undefined, found: L2Read): Fallback {
  return { ...found, value: () => handOut(l1, found) };
}
