/**
 * Why a run did not happen. `running`: the previous run in this process is still going; `locked`:
 * another instance holds the warmer's lock; `lock-unavailable`: the lock could not be asked for (Redis
 * is down), so this instance did not warm rather than risk a second warm of the fleet. A cache outage
 * is never reported as a failed run.
 */
export type WarmerSkipReason = 'running' | 'locked' | 'lock-unavailable';

export type WarmerTrigger = 'schedule' | 'startup' | 'manual' | 'event';

/** The outcome of one run (or of a run that was skipped). */
export type WarmerRunResult =
  | { name: string; trigger: WarmerTrigger; outcome: 'succeeded'; durationMs: number; items: number }
  | { name: string; trigger: WarmerTrigger; outcome: 'failed'; durationMs: number; items: number; error: Error }
  | { name: string; trigger: WarmerTrigger; outcome: 'skipped'; reason: WarmerSkipReason; /** With `lock-unavailable`. */ error?: Error };

export interface WarmerStatus {
  name: string;
  /** The cron expression, `every <n> ms`, or undefined for a warmer run only on startup or on demand. */
  schedule: string | undefined;
  exclusive: boolean;
  running: boolean;
  lastStart: Date | undefined;
  lastSuccess: Date | undefined;
  lastDurationMs: number | undefined;
  /** Items written through `ctx.setMany` by the last finished run. */
  lastItems: number | undefined;
  /** The error of the last finished run, or undefined if it succeeded. */
  lastError: Error | undefined;
  lastSkip: { at: Date; reason: WarmerSkipReason; error?: Error } | undefined;
  runs: { succeeded: number; failed: number; skipped: number };
}

/** What the health indicator needs from the warmers module, without depending on it. */
export interface WarmerStatusSource {
  statuses(): WarmerStatus[];
}
