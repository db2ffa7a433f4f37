import type { GetOrSetOptions, Profiles, TtlFunction } from '../cache/options.js';
import type { Telemetry } from '../cache/telemetry.js';
import { ErrorCode, TiercacheError } from '../errors.js';
import type { CacheLogger } from '../logger.js';
import type { Loader, LoaderContext } from './loader.js';

const FIELDS = ['ttl', 'l1Ttl', 'grace'] as const;
type Field = (typeof FIELDS)[number];

/** The TTL functions of one `getOrSet` call, applied to the loaded value. */
export type TtlFunctions = Partial<Record<Field, TtlFunction<unknown>>>;

/** Whether any of `ttl`, `l1Ttl`, `grace` is a function: three reads, so the hit path stays cheap. */
export function hasTtlFunctions(options: GetOrSetOptions<never> | undefined): boolean {
  return options !== undefined && (typeof options.ttl === 'function' || typeof options.l1Ttl === 'function' || typeof options.grace === 'function');
}

/**
 * Splits the functions off, leaving options that resolve like any others. The profile's functions
 * apply where the call gives nothing of its own (a fixed `ttl` in the call wins over the profile's function).
 */
export function splitTtlFunctions(options: GetOrSetOptions<never>, fromProfile: TtlFunctions | undefined): { fixed: GetOrSetOptions<never>; functions: TtlFunctions } {
  const fixed: Record<string, unknown> = { ...options };
  const functions: TtlFunctions = {};
  for (const field of FIELDS) {
    const given = options[field];
    if (typeof given === 'function') {
      functions[field] = given as TtlFunction<unknown>;
      delete fixed[field];
    } else if (given === undefined && fromProfile?.[field] !== undefined) {
      functions[field] = fromProfile[field];
    }
  }
  return { fixed: fixed as GetOrSetOptions<never>, functions };
}

/**
 * A computed `ttl` replaces the call's ttl exactly as a fixed one would: `l1Ttl` and `negativeTtl`
 * follow it unless the call (or its profile) gives them. These are the ones it gives.
 */
export function pinnedByCall(fixed: GetOrSetOptions<never>, profiles: Profiles, resolved: { l1Ttl: number; negativeTtl: number }) {
  const profile = fixed.profile === undefined ? undefined : profiles.get(fixed.profile)?.options;
  const pinned: { l1Ttl?: number; negativeTtl?: number } = {};
  for (const field of ['l1Ttl', 'negativeTtl'] as const) {
    if (fixed[field] !== undefined || profile?.[field] !== undefined) pinned[field] = resolved[field];
  }
  return pinned;
}

function ttlError(what: string, key: string, returned: string, cause?: unknown): TiercacheError {
  const problem = cause instanceof Error ? cause.message : 'expected a finite number of milliseconds ≥ 0';
  return new TiercacheError(
    ErrorCode.InvalidTtl,
    `The ${what} function for "${key}" returned ${returned} (${problem}); the value was returned to the caller but not cached. Fix the function.`,
    { cause },
  );
}

export interface TtlReport {
  readonly telemetry: Telemetry;
  readonly logger: CacheLogger;
  readonly label: string | undefined;
}

/** Logged once per caller and field (every error is counted and emitted as a `fault`), so a hot key can't flood the log. */
const logged = new WeakMap<Telemetry, Set<string>>();

function report({ telemetry, logger, label }: TtlReport, field: string, error: TiercacheError, key: string): void {
  telemetry.localFault('ttl', error, key);
  const seen = logged.get(telemetry) ?? new Set<string>();
  logged.set(telemetry, seen);
  const once = `${label ?? ''}\u0000${field}`;
  if (seen.has(once)) return;
  seen.add(once);
  logger.error(`${error.message} (reported once${label === undefined ? '' : ` for ${label}`}; every occurrence is counted as a fault)`);
}

/**
 * Wraps a loader so the TTL functions get its value. The loader's own `setOptions` wins over them; a
 * function that throws or returns a bad duration never costs the caller the value: it is returned,
 * not stored, and the error is reported (fault event, error count, one log line).
 */
export function withTtlFunctions<T>(loader: Loader<T>, functions: TtlFunctions, pinned: { l1Ttl?: number; negativeTtl?: number }, sink: TtlReport): Loader<T> {
  return async (context) => {
    const setByLoader = new Set<string>();
    const inner: LoaderContext = {
      key: context.key,
      setOptions: (changes) => {
        for (const [field, value] of Object.entries(changes)) if (value !== undefined) setByLoader.add(field);
        context.setOptions(changes);
      },
    };
    const value = await loader(inner);
    const changes: Record<string, number> = {};
    let failure: { field: string; error: TiercacheError } | undefined;
    for (const field of FIELDS) {
      const fn = functions[field];
      if (fn === undefined || setByLoader.has(field)) continue;
      try {
        const returned = fn(value);
        if (typeof returned === 'number' && Number.isFinite(returned) && returned >= 0) changes[field] = returned;
        else failure ??= { field, error: ttlError(field, context.key, String(returned)) };
      } catch (error) {
        failure ??= { field, error: ttlError(field, context.key, 'nothing: it threw', error) };
      }
    }
    if (failure === undefined) {
      if (changes.ttl !== undefined) Object.assign(changes, pinned);
      try {
        context.setOptions(changes); // checks the durations together: ttl + grace within maxTtl
      } catch (error) {
        const fields = Object.keys(functions).filter((field) => changes[field] !== undefined);
        failure = { field: fields.join('+'), error: ttlError(fields.join(' and '), context.key, JSON.stringify(changes), error) };
      }
    }
    if (failure !== undefined) {
      report(sink, failure.field, failure.error, context.key);
      context.setOptions({ ttl: 0, negativeTtl: 0 });
    }
    return value;
  };
}
