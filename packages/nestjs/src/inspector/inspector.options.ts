import { ErrorCode, TiercacheError, type ReportThresholds } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/**
 * What the guard sees of a request: the platform's request object (Express or Fastify), typed down
 * to what both have.
 */
export interface InspectorRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly ip?: string;
}

/**
 * Decides who may use the inspector. Return who the caller is (it is logged with every action they
 * take), or `false`/`undefined` to refuse with 403.
 */
export type InspectorGuard = (request: InspectorRequest) => string | false | undefined | Promise<string | false | undefined>;

export interface InspectorModuleOptions {
  /** Off unless true: importing the module alone serves nothing. */
  enabled?: boolean;
  /** Where the page and its API live. Default `/_tiercache`. */
  path?: string;
  /** Required unless `environment` is `development`: the inspector refuses to start without one. */
  guard?: InspectorGuard;
  /** Default `process.env.NODE_ENV`; only `development` may run the inspector unguarded. */
  environment?: string;
  /** Show cache keys (in the recent-faults list). Off by default: keys can carry user data. */
  showKeys?: boolean;
  /** How often the page's numbers are sampled and pushed. Default 2 000 ms. */
  sampleEveryMs?: number;
  /** How much history the charts keep. Default 600 000 ms (10 minutes). */
  historyMs?: number;
  /**
   * With Redis: publish this instance's summary every `publishEveryMs` (default 5 000) so one page
   * shows the fleet; an instance silent for `staleAfterMs` (default 3 × publishEveryMs) is marked stale.
   * `false` turns the fleet view off.
   */
  fleet?: false | { publishEveryMs?: number; staleAfterMs?: number };
  /** Names this instance in the fleet view. Default `host:pid`. */
  instanceId?: string;
  /** Thresholds of the advice (`CacheMetrics.report`). */
  reportThresholds?: ReportThresholds;
}

export interface ResolvedInspectorOptions {
  readonly enabled: boolean;
  readonly path: string;
  readonly guard: InspectorGuard | undefined;
  readonly development: boolean;
  readonly showKeys: boolean;
  readonly sampleEveryMs: number;
  readonly historyMs: number;
  readonly fleet: { publishEveryMs: number; staleAfterMs: number } | false;
  readonly instanceId: string | undefined;
  readonly reportThresholds: ReportThresholds | undefined;
}

function positiveInt(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidOption(`inspector.${field}`, `expected a positive integer of milliseconds, got ${String(value)}`);
  }
  return value;
}

/** Defaults and validation in one place; a bad option, or a missing guard outside development, fails startup. */
export function resolveInspectorOptions(options: InspectorModuleOptions = {}): ResolvedInspectorOptions {
  const path = options.path ?? '/_tiercache';
  if (typeof path !== 'string' || !/^(\/[\w.~-]+)+$/.test(path)) {
    throw invalidOption('inspector.path', `expected a path like /_tiercache (no trailing slash), got ${String(path)}`);
  }
  if (options.guard !== undefined && typeof options.guard !== 'function') throw invalidOption('inspector.guard', 'expected a function');
  const environment = options.environment ?? process.env.NODE_ENV;
  const development = environment === 'development';
  const enabled = options.enabled === true;
  if (enabled && options.guard === undefined && !development) {
    throw new TiercacheError(
      ErrorCode.Unguarded,
      `The Tiercache inspector would serve ${path} without a guard, and NODE_ENV is ${environment === undefined ? 'not set' : `"${environment}"`}, ` +
        'not "development": it shows the state of every cache and can clear them. Pass a `guard` to InspectorModule.forRoot ' +
        '(return who the caller is, or false to refuse), or turn the inspector off.',
    );
  }
  const sampleEveryMs = positiveInt('sampleEveryMs', options.sampleEveryMs, 2_000);
  const historyMs = positiveInt('historyMs', options.historyMs, 600_000);
  if (historyMs < sampleEveryMs) throw invalidOption('inspector.historyMs', 'must be at least sampleEveryMs');
  let fleet: ResolvedInspectorOptions['fleet'] = false;
  if (options.fleet !== false) {
    const publishEveryMs = positiveInt('fleet.publishEveryMs', options.fleet?.publishEveryMs, 5_000);
    fleet = { publishEveryMs, staleAfterMs: positiveInt('fleet.staleAfterMs', options.fleet?.staleAfterMs, 3 * publishEveryMs) };
  }
  if (options.instanceId !== undefined && (typeof options.instanceId !== 'string' || options.instanceId === '')) {
    throw invalidOption('inspector.instanceId', 'expected a non-empty string');
  }
  return {
    enabled,
    path,
    guard: options.guard,
    development,
    showKeys: options.showKeys === true,
    sampleEveryMs,
    historyMs,
    fleet,
    instanceId: options.instanceId,
    reportThresholds: options.reportThresholds,
  };
}
