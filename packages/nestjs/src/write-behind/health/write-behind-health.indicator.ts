import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { WriteBehindRegistry } from '../write-behind.registry.js';

export interface WriteBehindHealthOptions {
  /** The write-behind's name. */
  queue: string;
  /** The oldest queued write older than this marks it degraded. Default 30 000. */
  maxLagMs?: number;
  /** More queued writes than this mark it degraded. Default: no limit. */
  maxDepth?: number;
  /** Gives up reading the queue's state after this long (down). Default 1 000. */
  timeoutMs?: number;
}

/**
 * Terminus indicator for a write-behind: depth, lag and dead letters. Degraded (writes are still
 * taken) past the lag or depth threshold, with dead letters, or while Redis is down and writes go
 * through to the database; down when the queue's state cannot be read. Never throws.
 *
 * @example
 * () => this.writeBehindHealth.isHealthy('heartbeats', { queue: 'heartbeats', maxLagMs: 10_000 })
 */
@Injectable()
export class WriteBehindHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async isHealthy<const Key extends string>(key: Key, options: WriteBehindHealthOptions): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const timeoutMs = options.timeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const queue = this.moduleRef.get(WriteBehindRegistry, { strict: false }).get(options.queue);
      const stats = await Promise.race([
        queue.stats(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      const data = { durable: stats.durable, depth: stats.depth, lagMs: stats.lagMs, deadLetters: stats.deadLetters, redisDown: stats.redisDown };
      const problems: string[] = [];
      const maxLagMs = options.maxLagMs ?? 30_000;
      if (stats.lagMs > maxLagMs) problems.push(`the oldest queued write waits for ${stats.lagMs} ms (lag limit ${maxLagMs} ms)`);
      if (options.maxDepth !== undefined && stats.depth > options.maxDepth) problems.push(`${stats.depth} writes queued (limit ${options.maxDepth})`);
      if (stats.deadLetters > 0) problems.push(`${stats.deadLetters} writes in the dead-letter stream: list, requeue or drop them`);
      if (stats.redisDown) problems.push('Redis is down: writes go through to the database');
      return problems.length > 0 ? indicator.degraded({ ...data, problems }) : indicator.up(data);
    } catch (error) {
      return indicator.down({ message: `the write-behind state could not be read: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      clearTimeout(timer);
    }
  }
}
