/** Stable codes carried by every error Tiercache throws; match on `error.code`, not on messages. */
export const ErrorCode = {
  /** A cache, lock or module option is missing or out of range. */
  InvalidOption: 'E_INVALID_OPTION',
  /** A key, key part, TTL or other call argument is unusable. */
  InvalidArgument: 'E_INVALID_ARGUMENT',
  /** The value cannot be encoded (function, symbol, cycle…); the previous entry is left untouched. */
  Serialization: 'E_SERIALIZATION',
  /** The loader did not settle within its hard timeout. */
  LoaderTimeout: 'E_LOADER_TIMEOUT',
  /** A lock could not be acquired within the allowed wait. */
  LockTimeout: 'E_LOCK_TIMEOUT',
  /** A held lock's lease was lost (expired or taken): work relying on it must stop. */
  LockLost: 'E_LOCK_LOST',
  /** Redis could not be asked for a lock (its breaker is open, or the command timed out): nothing was acquired. */
  LockUnavailable: 'E_LOCK_UNAVAILABLE',
  /**
   * A TTL function (`ttl`, `l1Ttl` or `grace` given as a function of the value) returned something that
   * is not a valid duration: the caller got the value, and it was not cached.
   */
  InvalidTtl: 'E_INVALID_TTL',
  /** The cache was used after `close()`. */
  Closed: 'E_CLOSED',
  /** An admin surface (the inspector) would serve without a guard outside development. */
  Unguarded: 'E_UNGUARDED',
  /** A tenant-scoped cache was called with no tenant in context: nothing was read or cached. */
  TenantRequired: 'E_TENANT_REQUIRED',
  /** The write-behind queue is full and its backpressure mode is `reject` (or `wait` ran out of time). */
  WriteBehindFull: 'E_WRITE_BEHIND_FULL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error Tiercache throws. */
export class TiercacheError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TiercacheError';
  }
}

export function invalidOption(field: string, problem: string, cause?: unknown): TiercacheError {
  return new TiercacheError(ErrorCode.InvalidOption, `Invalid Tiercache option \`${field}\`: ${problem}`, { cause });
}

export function loaderTimeout(key: string, ms: number): TiercacheError {
  return new TiercacheError(
    ErrorCode.LoaderTimeout,
    `The loader for "${key}" took longer than its hard timeout of ${ms} ms; it goes on in the background and its value will be stored (unless it outlasts loadTimeout).`,
  );
}

export function loadAbandoned(key: string, ms: number): TiercacheError {
  return new TiercacheError(
    ErrorCode.LoaderTimeout,
    `The loader for "${key}" did not settle within the load bound of ${ms} ms (\`loadTimeout\`); it was abandoned ` +
      'and its value, if it ever comes, will not be stored. Raise loadTimeout for loads this slow, or 0 for no bound.',
  );
}

export function invalidArgument(what: string, problem: string): TiercacheError {
  return new TiercacheError(ErrorCode.InvalidArgument, `Invalid ${what}: ${problem}`);
}
