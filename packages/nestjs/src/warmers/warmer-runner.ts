import type { Logger } from '@nestjs/common';
import { ErrorCode, TiercacheError, type LockHandle, type LockProvider, type TieredCache } from '@tiercache/core';
import type { EventEmitter } from 'node:events';
import type { WarmerMetadata, WarmerMethod } from './cache-warmer.decorator.js';
import { warmerCacheView } from './warmer-cache-view.js';
import type { WarmerContext, WarmerEvent } from './warmer-context.js';
import type { WarmerEventMap } from './warmer-events.js';
import type { WarmerRunResult, WarmerSkipReason, WarmerStatus, WarmerTrigger } from './warmer-status.js';

export const DEFAULT_WARMER_TIMEOUT_MS = 300_000;

export interface WarmerDefinition {
  readonly metadata: WarmerMetadata;
  readonly method: WarmerMethod;
  readonly cache: TieredCache;
  readonly exclusive: boolean;
}

export interface RunnerDeps {
  /** Present when the warmer is exclusive. */
  readonly locks: LockProvider | undefined;
  readonly lockTtlMs: number;
  readonly events: EventEmitter<WarmerEventMap>;
  readonly logger: Logger;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs one warmer: no overlap in this process, one holder of its lock in the fleet, bounded by its timeout. */
export class WarmerRunner {
  readonly status: WarmerStatus;
  readonly #definition: WarmerDefinition;
  readonly #deps: RunnerDeps;
  #current: { controller: AbortController; done: Promise<WarmerRunResult> } | undefined;

  constructor(definition: WarmerDefinition, deps: RunnerDeps) {
    this.#definition = definition;
    this.#deps = deps;
    const { cron, everyMs, name } = definition.metadata;
    this.status = {
      name,
      schedule: cron ?? (everyMs === undefined ? undefined : `every ${everyMs} ms`),
      exclusive: definition.exclusive,
      running: false,
      lastStart: undefined,
      lastSuccess: undefined,
      lastDurationMs: undefined,
      lastItems: undefined,
      lastError: undefined,
      lastSkip: undefined,
      runs: { succeeded: 0, failed: 0, skipped: 0 },
    };
  }

  get name(): string {
    return this.#definition.metadata.name;
  }

  async run(trigger: WarmerTrigger, events: readonly WarmerEvent[] = []): Promise<WarmerRunResult> {
    if (this.#current !== undefined) return this.#emitSkip(trigger, 'running');
    const controller = new AbortController();
    const done = this.#lockAndRun(trigger, controller, events);
    this.#current = { controller, done };
    let result: WarmerRunResult;
    try {
      result = await done;
    } finally {
      this.#current = undefined;
    }
    // Emitted once the run is over, so a listener may start the next one straight away.
    this.#deps.events.emit('finish', result);
    return result;
  }

  /** Runs once the current run (if any) is over, rather than skipping: events must not be lost to an overlap. */
  async runAfterCurrent(trigger: WarmerTrigger, events: readonly WarmerEvent[]): Promise<WarmerRunResult> {
    while (this.#current !== undefined) await this.#current.done;
    return this.run(trigger, events);
  }

  /** Ends the current run (recorded as failed with `reason`) and waits until its lock is released. */
  async stop(reason: Error): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    current.controller.abort(reason);
    await current.done;
  }

  async #lockAndRun(trigger: WarmerTrigger, controller: AbortController, events: readonly WarmerEvent[]): Promise<WarmerRunResult> {
    const { locks, lockTtlMs } = this.#deps;
    let lock: LockHandle | undefined;
    if (locks !== undefined) {
      try {
        lock = await locks.tryAcquire(`warmer:${this.name}`, { ttlMs: lockTtlMs });
      } catch (error) {
        // Redis is out: we cannot know that nobody else is warming, so we don't (a double warm of the
        // fleet is what `exclusive` forbids). It is a cache outage, not a failure of the warmer: the
        // tick is skipped with the reason, and the next tick tries again.
        return this.#skip(trigger, 'lock-unavailable', asError(error));
      }
      if (lock === undefined) return this.#skip(trigger, 'locked');
    }
    try {
      return await this.#execute(trigger, controller, lock, events);
    } finally {
      await lock?.release().catch((error: unknown) => {
        this.#deps.logger.warn(`Warmer "${this.name}" could not release its lock (it expires on its own): ${asError(error).message}`);
      });
    }
  }

  async #execute(trigger: WarmerTrigger, controller: AbortController, lock: LockHandle | undefined, events: readonly WarmerEvent[]): Promise<WarmerRunResult> {
    const { metadata, method, cache } = this.#definition;
    const { events: emitter, logger } = this.#deps;
    const timeoutMs = metadata.timeoutMs ?? DEFAULT_WARMER_TIMEOUT_MS;
    const signal = controller.signal;
    const started = performance.now();
    // Stopped (shutdown) while the lock was being taken: don't start what must end at once.
    if (signal.aborted) return this.#finish(trigger, started, 0, asError(signal.reason));
    let items = 0;
    this.status.running = true;
    this.status.lastStart = new Date();
    emitter.emit('start', { name: this.name, trigger });
    logger.debug(`Warmer "${this.name}" started (${trigger})`);

    const timer = setTimeout(() => {
      controller.abort(
        new TiercacheError(
          ErrorCode.LoaderTimeout,
          `Warmer "${this.name}" ran longer than its timeoutMs (${timeoutMs} ms); it was recorded as failed and its lock ` +
            'released. Raise timeoutMs, or warm fewer keys per run.',
        ),
      );
    }, timeoutMs);
    const onLockLost = (): void => controller.abort(lock!.signal.reason);
    lock?.signal.addEventListener('abort', onLockLost, { once: true });
    // A method that ignores `signal` cannot be stopped, but its run ends here: the status and the lock
    // must not wait for it, and `setMany` refuses its late writes.
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    aborted.catch(() => undefined);

    const context: WarmerContext = {
      name: this.name,
      events,
      cache: warmerCacheView(cache, signal, this.name),
      signal,
      setMany: async (batch) => {
        signal.throwIfAborted();
        await cache.setMany(batch);
        items += batch.length;
      },
      progress: (done, total) => {
        emitter.emit('progress', { name: this.name, done, total });
        logger.debug(`Warmer "${this.name}": ${done}${total === undefined ? '' : ` of ${total}`}`);
      },
    };
    let failure: Error | undefined;
    try {
      await Promise.race([method(context), aborted]);
    } catch (error) {
      failure = asError(error);
    } finally {
      clearTimeout(timer);
      lock?.signal.removeEventListener('abort', onLockLost);
      if (!signal.aborted) controller.abort(new Error(`Warmer "${this.name}" run is over`));
    }
    return this.#finish(trigger, started, items, failure);
  }

  #finish(trigger: WarmerTrigger, started: number, items: number, error: Error | undefined): WarmerRunResult {
    const durationMs = performance.now() - started;
    const status = this.status;
    status.running = false;
    status.lastDurationMs = durationMs;
    status.lastItems = items;
    status.lastError = error;
    let result: WarmerRunResult;
    if (error === undefined) {
      status.lastSuccess = new Date();
      status.runs.succeeded++;
      result = { name: this.name, trigger, outcome: 'succeeded', durationMs, items };
      this.#deps.logger.log(`Warmer "${this.name}" wrote ${items} items in ${Math.round(durationMs)} ms (${trigger})`);
    } else {
      status.runs.failed++;
      result = { name: this.name, trigger, outcome: 'failed', durationMs, items, error };
      this.#deps.logger.error(`Warmer "${this.name}" failed after ${Math.round(durationMs)} ms (${trigger}): ${error.message}`);
    }
    return result;
  }

  #skip(trigger: WarmerTrigger, reason: WarmerSkipReason, error?: Error): WarmerRunResult {
    this.status.runs.skipped++;
    this.status.lastSkip = error === undefined ? { at: new Date(), reason } : { at: new Date(), reason, error };
    if (error === undefined) this.#deps.logger.debug(`Warmer "${this.name}" skipped (${reason})`);
    else this.#deps.logger.warn(`Warmer "${this.name}" skipped this tick: its lock is unavailable (${error.message}); the next tick retries.`);
    return error === undefined
      ? { name: this.name, trigger, outcome: 'skipped', reason }
      : { name: this.name, trigger, outcome: 'skipped', reason, error };
  }

  #emitSkip(trigger: WarmerTrigger, reason: WarmerSkipReason): WarmerRunResult {
    const result = this.#skip(trigger, reason);
    this.#deps.events.emit('finish', result);
    return result;
  }
}
