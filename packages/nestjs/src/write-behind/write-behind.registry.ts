import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { type WriteBehind } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/**
 * Every write-behind of the application, by name, for health checks and metrics. Flushes them on
 * shutdown in `beforeApplicationShutdown`: before `CacheModule` closes the Redis connection they
 * flush through, in `onApplicationShutdown`.
 */
@Injectable()
export class WriteBehindRegistry implements BeforeApplicationShutdown {
  readonly #queues = new Map<string, { queue: WriteBehind<any>; shutdownTimeoutMs: number }>();
  readonly #logger = new Logger('Tiercache');

  add(queue: WriteBehind<any>, shutdownTimeoutMs: number): void {
    if (this.#queues.has(queue.name)) throw invalidOption('name', `a write-behind named "${queue.name}" is registered already`);
    this.#queues.set(queue.name, { queue, shutdownTimeoutMs });
  }

  names(): string[] {
    return [...this.#queues.keys()];
  }

  /** Throws for a name no module registered. */
  get<T = unknown>(name: string): WriteBehind<T> {
    const found = this.#queues.get(name);
    if (found === undefined) throw invalidOption('queue', `no write-behind is named "${name}" (registered: ${this.names().join(', ') || 'none'})`);
    return found.queue as WriteBehind<T>;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.#queues.values()].map(async ({ queue, shutdownTimeoutMs }) => {
        await queue.close(shutdownTimeoutMs);
        const { depth } = await queue.stats().catch(() => ({ depth: undefined }));
        if (depth !== undefined && depth > 0) {
          this.#logger.warn(`Write-behind "${queue.name}": ${depth} writes left queued at shutdown${queue.durable ? ' (kept in Redis for the next instance)' : ' and LOST (in-memory queue)'}.`);
        }
      }),
    );
  }
}
