import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { checkStats } from '../../health/stats-check.js';
import { AbsentKeyFilters } from '../absent-keys.registry.js';

export interface AbsentKeyFilterHealthOptions {
  /** The filter's name. */
  filter: string;
  /** An estimated false-positive rate above this marks it degraded (it needs a bigger rebuild). Default: twice the configured rate. */
  maxFalsePositiveRate?: number;
  /** A last build older than this marks it degraded (the rebuild warmer is not running). Default: no limit. */
  maxAgeMs?: number;
  /** Gives up reading the filter's state after this long (down). Default 1 000. */
  timeoutMs?: number;
}

/**
 * Terminus indicator for an absent-key filter: fill, estimated false-positive rate, items, age.
 * Degraded (every key then loads, or more keys load than planned) when it is not built yet, too full
 * or too old; down when its state cannot be read. Never throws.
 *
 * @example
 * () => this.filterHealth.isHealthy('agent-ids', { filter: 'agents', maxAgeMs: 2 * 3_600_000 })
 */
@Injectable()
export class AbsentKeyFilterHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  isHealthy<const Key extends string>(key: Key, options: AbsentKeyFilterHealthOptions): Promise<HealthIndicatorResult<Key>> {
    return checkStats(this.health, key, {
      what: 'the filter state',
      timeoutMs: options.timeoutMs,
      read: () => this.moduleRef.get(AbsentKeyFilters, { strict: false }).get(options.filter).stats(),
      judge: (stats) => {
        const { built, building, items, fill, estimatedFalsePositiveRate, builtAt, skipped, pendingAdds } = stats;
        const problems: string[] = [];
        const maxRate = options.maxFalsePositiveRate ?? 2 * stats.configuredFalsePositiveRate;
        if (!built) problems.push('not built yet: every key loads');
        else if (estimatedFalsePositiveRate > maxRate) {
          problems.push(`estimated false-positive rate ${estimatedFalsePositiveRate.toFixed(4)} is above ${maxRate}: raise expectedItems or rebuild`);
        }
        if (built && options.maxAgeMs !== undefined && Date.now() - builtAt!.getTime() > options.maxAgeMs) {
          problems.push(`last built ${builtAt!.toISOString()}, more than ${options.maxAgeMs} ms ago: is its rebuild warmer running?`);
        }
        if (pendingAdds > 0) problems.push(`${pendingAdds} additions not yet in Redis: this instance loads every key meanwhile`);
        return { data: { built, building, items, fill, estimatedFalsePositiveRate, builtAt: builtAt?.toISOString(), skipped, pendingAdds }, problems };
      },
    });
  }
}
