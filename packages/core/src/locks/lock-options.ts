import { ErrorCode, invalidArgument, TiercacheError } from '../errors.js';
import type { LockOptions } from './lock-provider.js';

export const DEFAULT_TTL_MS = 10_000;
export const DEFAULT_WAIT_MS = 10_000;

// Node fires longer timers after 1 ms, which would turn a long wait into an instant timeout.
const MAX_TIMER_MS = 2_147_483_647;

export interface ResolvedLockOptions {
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly watchdog: boolean;
}

export function resolveLockOptions(resource: string, options: LockOptions = {}): ResolvedLockOptions {
  if (typeof resource !== 'string' || resource === '') {
    throw invalidArgument('lock resource', 'expected a non-empty string');
  }
  const ttlMs = validateTtl(options.ttlMs ?? DEFAULT_TTL_MS);
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_TIMER_MS) {
    throw invalidArgument('lock waitMs', `expected whole milliseconds from 0 to ${MAX_TIMER_MS}, got ${waitMs}`);
  }
  return { ttlMs, waitMs, watchdog: options.watchdog ?? true };
}

export function validateTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TIMER_MS) {
    throw invalidArgument('lock ttlMs', `expected whole milliseconds from 1 to ${MAX_TIMER_MS}, got ${ttlMs}`);
  }
  return ttlMs;
}

export function lockTimeout(resource: string, waitMs: number): TiercacheError {
  return new TiercacheError(
    ErrorCode.LockTimeout,
    `Lock "${resource}" is still held by another owner after waiting ${waitMs} ms; ` +
      'raise waitMs, or shorten the work done under this lock.',
  );
}

export function providerClosed(resource: string): TiercacheError {
  return new TiercacheError(
    ErrorCode.Closed,
    `Lock "${resource}" cannot be used: its lock provider was closed. Acquire locks before shutting down.`,
  );
}

export function lockUnavailable(resource: string): TiercacheError {
  return new TiercacheError(
    ErrorCode.LockUnavailable,
    `Lock "${resource}" could not be acquired: Redis did not answer (command timeout, or its circuit breaker is open). Retry later.`,
  );
}
