import type { TierName } from '../events/cache-events.js';

/**
 * One observation, already attributed to a named cache. Exporters (Prometheus, OpenTelemetry) subscribe
 * to these instead of to cache events, so attribution and label handling live in one place.
 * `label` names the caller (`Class.method` for decorated methods) when it was given.
 */
export type MetricSample =
  | { type: 'hit'; cache: string; tier: TierName; label?: string }
  | { type: 'miss'; cache: string; label?: string }
  /** A stale value was served (grace, fail-safe or a soft timeout). */
  | { type: 'stale'; cache: string; label?: string }
  | { type: 'load'; cache: string; label?: string; durationMs: number; failed: boolean }
  | { type: 'eviction'; cache: string }
  | { type: 'l2Error'; cache: string; operation: string }
  /** Time spent waiting for another process's load of the key (fleet-wide single-flight). */
  | { type: 'lockWait'; cache: string; label?: string; durationMs: number };
