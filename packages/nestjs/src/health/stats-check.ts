import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from './with-timeout.js';

/** What an indicator makes of a unit's stats: the fields it reports, and what is wrong (degraded), if anything. */
export interface StatsVerdict {
  readonly data: Record<string, unknown>;
  readonly problems: readonly string[];
}

export interface StatsCheck<Stats> {
  /** Names the state in a down message: `the write-behind state`. */
  readonly what: string;
  /** Default 1 000. */
  readonly timeoutMs: number | undefined;
  /** May throw (an unknown name): the result is then down. */
  readonly read: () => Promise<Stats>;
  readonly judge: (stats: Stats) => StatsVerdict;
}

/**
 * The shape of the indicators of a named unit that reports `stats()` (a write-behind, an absent-key
 * filter): up, or degraded with its problems, once the stats are read; down when they cannot be read
 * within the timeout. Never throws.
 */
export async function checkStats<const Key extends string, Stats>(
  health: HealthIndicatorService,
  key: Key,
  check: StatsCheck<Stats>,
): Promise<HealthIndicatorResult<Key>> {
  const indicator = health.check(key);
  let verdict: StatsVerdict;
  try {
    const timeoutMs = check.timeoutMs ?? 1_000;
    verdict = check.judge(await withTimeout(check.read(), timeoutMs, 'stats()'));
  } catch (error) {
    return indicator.down({ message: `${check.what} could not be read: ${error instanceof Error ? error.message : String(error)}` });
  }
  const { data, problems } = verdict;
  return problems.length > 0 ? indicator.degraded({ ...data, problems }) : indicator.up(data);
}
