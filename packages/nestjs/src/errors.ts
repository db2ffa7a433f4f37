import { ErrorCode, TiercacheError } from '@tiercache/core';

/** A module, decorator or entry-point option is missing or out of range; `field` names where it was written. */
export function invalidOption(field: string, problem: string, cause?: unknown): TiercacheError {
  return new TiercacheError(ErrorCode.InvalidOption, `Invalid Tiercache option \`${field}\`: ${problem}`, { cause });
}

/** A call argument is unusable. */
export function invalidArgument(what: string, problem: string): TiercacheError {
  return new TiercacheError(ErrorCode.InvalidArgument, `Invalid ${what}: ${problem}`);
}
