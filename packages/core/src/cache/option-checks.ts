import { invalidOption } from '../errors.js';

/** The value checks every options resolver shares; each names the option (`field`) it rejects. */

export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(field, `expected a finite number of milliseconds ≥ 0, got ${String(value)}`);
  }
  return value;
}

// Node fires longer timers at once, which would abandon every load immediately.
const MAX_TIMER_MS = 2_147_483_647;

export function timerMs(field: string, value: unknown): number {
  const ms = nonNegative(field, value);
  if (ms > MAX_TIMER_MS) throw invalidOption(field, `expected at most ${MAX_TIMER_MS} ms (about 24 days), got ${ms}; 0 means no bound`);
  return ms;
}

export function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidOption(field, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

export function fraction(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalidOption(field, `expected a fraction between 0 and 1, got ${String(value)}`);
  }
  return value;
}

export function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidOption(field, `expected a boolean, got ${String(value)}`);
  return value;
}

export function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(field, 'expected a non-empty string');
  return value;
}
