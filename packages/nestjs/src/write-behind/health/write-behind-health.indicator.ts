import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { checkStats } from '../../health/stats-check.js';
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

  isHealthy<const Key extends string>(key: Key, options: WriteBehindHealthOptions): Promise<HealthIndicatorResult<Key>> {
    return checkStats(this.health, key, {
      what: 'the write-behind state',
      timeoutMs: options.timeoutMs,
      read: () => this.moduleRef.get(WriteBehindRegistry, { strict: false }).get(options.queue).stats(),
      judge: (stats) => {
        const problems: string[] = [];
        const maxLagMs = options.maxLagMs ?? 30_000;
        if (stats.lagMs > maxLagMs) problems.push(`the oldest queued write waits for ${stats.lagMs} ms (lag limit ${maxLagMs} ms)`);
        if (options.maxDepth !== undefined && stats.depth > options.maxDepth) problems.push(`${stats.depth} writes queued (limit ${options.maxDepth})`);
        if (stats.deadLetters > 0) problems.push(`${stats.deadLetters} writes in the dead-letter stream: list, requeue or drop them`);
        if (stats.redisDown) problems.push('Redis is down: writes go through to the database');
        const { durable, depth, lagMs, deadLetters, redisDown } = stats;
        return { data: { durable, depth, lagMs, deadLetters, redisDown }, problems };
      },
    });
  }
}
