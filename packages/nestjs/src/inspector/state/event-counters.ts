import type { CacheEventMap, CacheEvents, TieredCache } from '@tiercache/core';
import type { FaultView } from './inspector-state.js';

const MAX_FAULTS = 20;

interface Counters {
  applied: number;
  resyncs: number;
  disconnects: number;
  breakerOpens: number;
}

/**
 * Counts what the metrics collector does not: invalidations applied from other instances, bus
 * resyncs, lost connections and breaker trips, per shared event emitter (a cache and its namespaces
 * share one connection and one emitter, so they share these numbers too).
 */
export class EventCounters {
  readonly #counters = new Map<CacheEvents, Counters>();
  readonly #faults: FaultView[] = [];
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly showKeys: boolean) {}

  watch(name: string, cache: TieredCache): void {
    const events = cache.events;
    if (this.#counters.has(events)) return;
    const counters: Counters = { applied: 0, resyncs: 0, disconnects: 0, breakerOpens: 0 };
    this.#counters.set(events, counters);
    const handlers: { [K in keyof CacheEventMap]?: (...args: CacheEventMap[K]) => void } = {
      remote: ({ op }) => (op === 'resync' ? counters.resyncs++ : counters.applied++),
      connection: ({ connected }) => void (connected || counters.disconnects++),
      'breaker:open': () => void counters.breakerOpens++,
      fault: ({ operation, key }) => {
        this.#faults.unshift({ at: Date.now(), cache: name, operation, ...(this.showKeys && key !== undefined && { key }) });
        this.#faults.length = Math.min(this.#faults.length, MAX_FAULTS);
      },
    };
    for (const [event, handler] of Object.entries(handlers)) events.on(event as 'remote', handler as never);
    this.#unsubscribe.push(() => {
      for (const [event, handler] of Object.entries(handlers)) events.off(event as 'remote', handler as never);
    });
  }

  of(cache: TieredCache): Counters {
    return { ...(this.#counters.get(cache.events) ?? { applied: 0, resyncs: 0, disconnects: 0, breakerOpens: 0 }) };
  }

  faults(): FaultView[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }
}
