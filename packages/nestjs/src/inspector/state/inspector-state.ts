import type { AdviceCode } from '@tiercache/core';

/*
 * What the page receives: plain JSON, no Dates (numbers of ms since the epoch), no Errors (messages).
 * Keys and values of entries never appear unless `showKeys` is on.
 */

export interface HistoryPoint {
  /** When the interval ended, ms since the epoch. */
  t: number;
  /** Reads served from the cache over reads in the interval, per cache; null when nothing was read. */
  caches: Record<string, number | null>;
  /** The same per decorated method (metric label). */
  methods: Record<string, number | null>;
  /** Reads per second in the interval, per cache. */
  readsPerSecond: Record<string, number>;
}

export interface CacheView {
  name: string;
  reads: number;
  hitRate: number;
  hitsL1: number;
  hitsL2: number;
  misses: number;
  staleServes: number;
  loads: number;
  loadErrors: number;
  loadP50Ms: number;
  loadP95Ms: number;
  lockWaits: number;
  lockWaitP95Ms: number;
  evictions: number;
  l2Errors: number;
  l1: { entries: number; bytes: number; maxEntries: number; maxBytes: number } | null;
  l2: {
    connected: boolean;
    breakerOpen: boolean;
    pendingWrites: number;
    nodes: { address: string; role: string; up: boolean; latencyMs?: number; usedMemory?: number; maxMemory?: number; error?: string }[];
    cluster?: { state: string; slotsFail: number; knownNodes: number };
  } | null;
  /** Counted since the inspector started, for the connection this cache shares with its namespaces. */
  bus: { applied: number; resyncs: number; disconnects: number; breakerOpens: number };
}

export interface MethodView {
  cache: string;
  label: string;
  reads: number;
  hitRate: number;
  loads: number;
  meanLoadMs: number;
  p95LoadMs: number;
  staleServes: number;
  lockWaits: number;
}

export interface AdviceView {
  cache: string;
  /** Absent for advice about the cache as a whole. */
  method?: string;
  code: AdviceCode;
  message: string;
}

export interface WarmerView {
  name: string;
  schedule: string | undefined;
  running: boolean;
  lastStart: number | null;
  lastSuccess: number | null;
  lastDurationMs: number | null;
  lastItems: number | null;
  lastError: string | null;
  runs: { succeeded: number; failed: number; skipped: number };
  /** Of the running warm, or of the last one to report progress. */
  progress: { done: number; total?: number; at: number } | null;
}

export interface ActionView {
  at: number;
  who: string;
  action: 'run-warmer' | 'invalidate-tags' | 'clear-cache';
  target: string;
  detail?: string;
  outcome: 'done' | 'failed' | 'started';
}

export interface FaultView {
  at: number;
  cache: string;
  operation: string;
  /** Only with `showKeys`. */
  key?: string;
}

export interface InstanceSummary {
  id: string;
  startedAt: number;
  /** When it last published. */
  at: number;
  /** Over the last sampling interval, all caches together; null without reads. */
  hitRate: number | null;
  readsPerSecond: number;
  l1Entries: number;
  l2Connected: boolean | null;
  warmersRunning: number;
}

export interface FleetView {
  /** False without Redis or with `fleet: false`: only this instance is shown. */
  shared: boolean;
  instances: (InstanceSummary & { stale: boolean; self: boolean })[];
  error?: string;
}

/** The fleet's hottest keys of one cache (predictive warming, `HotKeysModule`), hottest first. */
export interface HotKeysView {
  cache: string;
  keys: string[];
}

export interface InspectorState {
  instance: { id: string; startedAt: number };
  at: number;
  sampleEveryMs: number;
  historyMs: number;
  showKeys: boolean;
  caches: CacheView[];
  methods: MethodView[];
  advice: AdviceView[];
  warmers: WarmerView[];
  fleet: FleetView;
  actions: ActionView[];
  faults: FaultView[];
  /** Only with `showKeys` (else empty), and only for caches with `HotKeysModule`. */
  hotKeys: HotKeysView[];
}
