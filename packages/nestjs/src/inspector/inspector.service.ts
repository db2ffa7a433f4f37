import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type MessageEvent,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CacheMetrics } from '@tiercache/core';
import { hostname } from 'node:os';
import { Observable, type Subscriber } from 'rxjs';
import { CacheRegistry } from '../cache-registry.js';
import { DEFAULT_CACHE } from '../cache.constants.js';
import { HotKeysRegistry } from '../hot-keys/hot-keys.registry.js';
import { WARMER_STATUS_SOURCE } from '../warmers/warmers.constants.js';
import { FleetBoard } from './fleet/fleet-board.js';
import { INSPECTOR_OPTIONS } from './inspector.constants.js';
import type { ResolvedInspectorOptions } from './inspector.options.js';
import { EventCounters } from './state/event-counters.js';
import { HitRateHistory } from './state/hit-rate-history.js';
import type { ActionView, FleetView, HistoryPoint, HotKeysView, InspectorState, InstanceSummary } from './state/inspector-state.js';
import { StateCollector } from './state/state-collector.js';
import { WarmerTracker, type WarmerSource } from './state/warmer-tracker.js';

const MAX_ACTIONS = 50;
/** How many of a cache's hottest keys the page lists. */
const HOT_KEYS_SHOWN = 20;
let instancesInProcess = 0;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Samples every cache on a timer, keeps the charts' history, publishes this instance to the fleet
 * board and pushes each sample to the open pages. Reads only public APIs: `status()`, `l2Health()`,
 * cache events, `CacheMetrics` and the warmer registry.
 */
@Injectable()
export class InspectorService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #logger = new Logger('Tiercache:inspector');
  readonly #subscribers = new Set<Subscriber<MessageEvent>>();
  readonly #actions: ActionView[] = [];
  readonly #history: HitRateHistory;
  readonly #counters: EventCounters;
  readonly #startedAt = Date.now();
  readonly #id: string;
  #registry!: CacheRegistry;
  #metrics!: CacheMetrics;
  #collector!: StateCollector;
  #fleet!: FleetBoard;
  #warmers: WarmerTracker | undefined;
  #ownMetrics: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #state: InspectorState | undefined;
  #stopped = false;
  #hotKeys: HotKeysRegistry | undefined;

  constructor(
    @Inject(INSPECTOR_OPTIONS) private readonly options: ResolvedInspectorOptions,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(WARMER_STATUS_SOURCE) private readonly warmerSource?: WarmerSource,
  ) {
    this.#history = new HitRateHistory(options.historyMs, options.sampleEveryMs);
    this.#counters = new EventCounters(options.showKeys);
    // host:pid names a pod; a second app in the same process (tests, side-by-side apps) gets a suffix.
    const nth = instancesInProcess++;
    this.#id = options.instanceId ?? `${hostname()}:${process.pid}${nth === 0 ? '' : `#${nth + 1}`}`;
  }

  onModuleInit(): void {
    if (!this.options.enabled) return;
    // Looked up, not injected: CacheModule and CacheMetricsModule may live anywhere in the app.
    this.#registry = this.moduleRef.get(CacheRegistry, { strict: false });
    try {
      this.#hotKeys = this.moduleRef.get(HotKeysRegistry, { strict: false });
    } catch {
      // No HotKeysModule: no hot keys to show.
    }
    try {
      this.#metrics = this.moduleRef.get(CacheMetrics, { strict: false });
    } catch {
      // Without CacheMetricsModule the inspector collects for itself, and stops when it stops.
      const metrics = new CacheMetrics();
      const detach = this.#registry.names().map((name) => metrics.attach(this.#registry.get(name), name));
      this.#metrics = metrics;
      this.#ownMetrics = () => {
        for (const d of detach) d();
        metrics.close();
      };
    }
    for (const name of this.#registry.names()) this.#counters.watch(name, this.#registry.get(name));
    this.#collector = new StateCollector(this.#registry, this.#metrics, this.#counters, this.options.reportThresholds);
    const root = this.#registry.get();
    const fleet = this.options.fleet;
    this.#fleet = new FleetBoard(
      fleet === false ? undefined : root.redisClient,
      `tiercache:inspector:{${root.prefix}}:fleet`,
      fleet === false ? 0 : fleet.publishEveryMs,
      fleet === false ? 0 : fleet.staleAfterMs,
    );
    if (this.warmerSource !== undefined) {
      this.#warmers = new WarmerTracker(this.warmerSource, () => this.#push('warmers', this.#warmers!.views()));
    }
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    const { path, guard } = this.options;
    const protection = guard !== undefined ? 'protected by its guard' : 'UNPROTECTED (no guard: allowed because NODE_ENV is development)';
    this.#logger[guard === undefined ? 'warn' : 'log'](`Cache inspector at ${path} (under the app's global prefix, if any), ${protection}`);
    this.#schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.options.enabled || this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    // Open pages hold their response open: end them, or the HTTP server waits for them on close.
    for (const subscriber of this.#subscribers) subscriber.complete();
    this.#subscribers.clear();
    await this.#ticking;
    await this.#fleet.leave(this.#id).catch(() => undefined);
    this.#warmers?.close();
    this.#counters.close();
    this.#ownMetrics?.();
  }

  get registry(): CacheRegistry {
    return this.#registry;
  }

  get warmers(): WarmerSource | undefined {
    return this.warmerSource;
  }

  /** The latest sample (taken now if none yet), with the charts' history. */
  async state(): Promise<InspectorState & { history: HistoryPoint[] }> {
    const state = this.#state ?? (await this.#sample());
    // Actions and warmers change between samples; a page that just acted expects to see it.
    return { ...state, warmers: this.#warmers?.views() ?? [], actions: [...this.#actions], history: this.#history.points() };
  }

  /** `snapshot` first (state and history), then `tick` per sample, `warmers` on warmer events, `actions` on actions. */
  stream(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (this.#stopped) return subscriber.complete();
      this.#subscribers.add(subscriber);
      this.state().then(
        (state) => subscriber.next({ type: 'snapshot', data: state }),
        (error: unknown) => subscriber.error(error),
      );
      return () => this.#subscribers.delete(subscriber);
    });
  }

  /** Logs the action with who took it and shows it on every open page. */
  record(action: Omit<ActionView, 'at'>): void {
    const entry = { at: Date.now(), ...action };
    this.#actions.unshift(entry);
    this.#actions.length = Math.min(this.#actions.length, MAX_ACTIONS);
    const detail = action.detail === undefined ? '' : ` (${action.detail})`;
    const line = `${action.who}: ${action.action} ${action.target}${detail}: ${action.outcome}`;
    if (action.outcome === 'failed') this.#logger.warn(line);
    else this.#logger.log(line);
    this.#push('actions', [...this.#actions]);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      // One sample at a time: a slow PING delays the next sample instead of piling them up.
      this.#ticking = this.#tick().finally(() => this.#schedule(this.options.sampleEveryMs));
    }, delayMs);
  }

  async #tick(): Promise<void> {
    try {
      const at = Date.now();
      const point = this.#history.record(this.#metrics.snapshot(), at);
      const state = await this.#sample(point, at);
      this.#push('tick', { point: point ?? null, state });
    } catch (error) {
      // Never fatal to the app: the page shows the last sample, the log says why it stopped moving.
      this.#logger.warn(`Inspector sample failed: ${message(error)}`);
    }
  }

  async #sample(point?: HistoryPoint, at = Date.now()): Promise<InspectorState> {
    const snapshot = this.#metrics.snapshot();
    const caches = await this.#collector.caches(snapshot);
    const warmers = this.#warmers?.views() ?? [];
    const summary: InstanceSummary = {
      id: this.#id,
      startedAt: this.#startedAt,
      at,
      hitRate: this.#overallRate(point),
      readsPerSecond: point ? Object.values(point.readsPerSecond).reduce((sum, n) => sum + n, 0) : 0,
      l1Entries: caches.reduce((sum, c) => sum + (c.l1?.entries ?? 0), 0),
      l2Connected: caches.find((c) => c.name === DEFAULT_CACHE)?.l2?.connected ?? null,
      warmersRunning: warmers.filter((w) => w.running).length,
    };
    let fleet: FleetView;
    try {
      await this.#fleet.publish(summary);
      fleet = await this.#fleet.read(summary, at);
    } catch (error) {
      fleet = { shared: this.#fleet.shared, instances: [{ ...summary, stale: false, self: true }], error: message(error) };
    }
    const state: InspectorState = {
      instance: { id: this.#id, startedAt: this.#startedAt },
      at,
      sampleEveryMs: this.options.sampleEveryMs,
      historyMs: this.options.historyMs,
      showKeys: this.options.showKeys,
      caches,
      methods: this.#collector.methods(snapshot),
      advice: this.#collector.advice(),
      warmers,
      fleet,
      actions: [...this.#actions],
      faults: this.#counters.faults(),
      hotKeys: await this.#hotKeyViews(),
    };
    this.#state = state;
    return state;
  }

  /** Keys are user data: none unless `showKeys`. A failed read of the fleet's counts shows none. */
  async #hotKeyViews(): Promise<HotKeysView[]> {
    if (!this.options.showKeys || this.#hotKeys === undefined) return [];
    return Promise.all(this.#hotKeys.entries().map(async ([cache, hot]) => ({ cache, keys: await hot.top(HOT_KEYS_SHOWN).catch(() => []) })));
  }

  #overallRate(point: HistoryPoint | undefined): number | null {
    if (point === undefined) return null;
    let served = 0;
    let reads = 0;
    for (const [cache, rate] of Object.entries(point.caches)) {
      const n = point.readsPerSecond[cache] ?? 0;
      if (rate !== null) (served += rate * n), (reads += n);
    }
    return reads === 0 ? null : served / reads;
  }

  #push(type: string, data: unknown): void {
    for (const subscriber of this.#subscribers) subscriber.next({ type, data: data as object });
  }
}
