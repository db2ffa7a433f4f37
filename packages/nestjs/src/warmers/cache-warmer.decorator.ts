import { invalidOption } from '../errors.js';
import { checkKnownKeys } from '../options/known-keys.js';
import { CACHE_WARMER_METADATA } from './warmers.constants.js';

const WARMER_SHAPE = Object.fromEntries(
  ['name', 'cron', 'timeZone', 'everyMs', 'runOnStartup', 'exclusive', 'timeoutMs', 'cache', 'on', 'coalesceMs'].map((key) => [key, true as const]),
);
import type { WarmerContext } from './warmer-context.js';

export interface CacheWarmerOptions {
  /** Unique in the application: names the scheduler job, the lock and the status. Default `Class.method`. */
  name?: string;
  /** A cron expression (seconds allowed: `*\/30 * * * * *`). Exclusive with `everyMs`. */
  cron?: string;
  timeZone?: string;
  /** Runs every `everyMs` milliseconds. Exclusive with `cron`. */
  everyMs?: number;
  /** Also run once when the application starts (see the module's `startup` option). Default false. */
  runOnStartup?: boolean;
  /**
   * Only one instance of the fleet runs this warmer at a time; the others skip the tick. Default: true
   * when the warmer's cache has Redis (L2), false for an in-process cache.
   */
  exclusive?: boolean;
  /** A run still going after this long is recorded as failed (E_LOADER_TIMEOUT) and its lock released. Default 300 000. */
  timeoutMs?: number;
  /** The cache `ctx.cache` points at, as named in `CacheModule` options. Default: the default cache. */
  cache?: string;
  /**
   * Application events (`@nestjs/event-emitter`) that trigger a run, their payloads in `ctx.events`.
   * Needs `EventEmitterModule.forRoot()`.
   */
  on?: readonly string[];
  /** Events within this window after the first one make one run. Default 250 ms. */
  coalesceMs?: number;
}

/** A method `@CacheWarmer` accepts: it may take the context and must return a Promise. */
export type WarmerMethod = (context: WarmerContext) => Promise<unknown>;

function positive(name: string, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
    throw invalidOption(`@CacheWarmer(${name}).${field}`, `expected a positive integer of milliseconds, got ${String(value)}`);
  }
}

/**
 * Marks a provider method that fills a cache ahead of reads: on a schedule, on startup, or on demand
 * through `WarmerRegistry.run(name)`. The decorator only records options; `WarmersModule` finds and
 * schedules the methods. Several `@CacheWarmer`s on one method make several warmers.
 *
 * `on: ['prices.imported']` also runs it when those application events fire, a burst of them making
 * one run (`coalesceMs`), with the payloads in `ctx.events`.
 *
 * @example
 * @CacheWarmer({ name: 'leaderboard', cron: '0 * * * * *', runOnStartup: true, timeoutMs: 30_000 })
 * async warmLeaderboard(ctx: WarmerContext) {
 *   const rows = await this.db.topAgents({ signal: ctx.signal });
 *   await ctx.setMany(rows.map((row) => ({ key: ['agent', row.id], value: row })));
 * }
 */
export function CacheWarmer(options: CacheWarmerOptions = {}) {
  return <M extends WarmerMethod>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    const method = `${target.constructor.name}.${String(propertyKey)}`;
    checkKnownKeys(options, WARMER_SHAPE, `@CacheWarmer(${method})`);
    const name = options.name ?? method;
    if (typeof name !== 'string' || name.length === 0) throw invalidOption('@CacheWarmer.name', 'expected a non-empty string');
    if (options.cron !== undefined && options.everyMs !== undefined) {
      throw invalidOption(`@CacheWarmer(${name}).cron`, 'give either cron or everyMs, not both');
    }
    if (options.cron !== undefined && (typeof options.cron !== 'string' || options.cron.trim() === '')) {
      throw invalidOption(`@CacheWarmer(${name}).cron`, 'expected a cron expression');
    }
    positive(name, 'everyMs', options.everyMs);
    positive(name, 'timeoutMs', options.timeoutMs);
    positive(name, 'coalesceMs', options.coalesceMs);
    if (options.on !== undefined && (!Array.isArray(options.on) || options.on.length === 0 || !options.on.every((event) => typeof event === 'string' && event.length > 0))) {
      throw invalidOption(`@CacheWarmer(${name}).on`, 'expected a non-empty array of event names');
    }
    if (options.coalesceMs !== undefined && options.on === undefined) {
      throw invalidOption(`@CacheWarmer(${name}).coalesceMs`, 'only applies to a warmer triggered by events: give `on` too');
    }
    const fn = descriptor.value as object;
    const previous = (Reflect.getMetadata(CACHE_WARMER_METADATA, fn) as WarmerMetadata[] | undefined) ?? [];
    // Appended, not replaced: stacked @CacheWarmer decorators each define a warmer.
    Reflect.defineMetadata(CACHE_WARMER_METADATA, [...previous, { ...options, name }], fn);
  };
}

export type WarmerMetadata = CacheWarmerOptions & { name: string };
