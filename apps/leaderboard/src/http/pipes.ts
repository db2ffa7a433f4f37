import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** The largest id a Postgres `integer` column holds; a bigger one is a bad request, not a 500. */
export const MAX_ID = 2_147_483_647;

interface IntRange {
  min: number;
  max: number;
  /** Used when the parameter is absent or empty; without one it is required. */
  default?: number;
}

/**
 * Parses a route or query parameter as an integer within a range. Unlike the built-in ParseIntPipe,
 * its 400 names the parameter and the range, and it applies the default itself.
 */
export class IntPipe implements PipeTransform<unknown, number> {
  constructor(private readonly range: IntRange) {}

  transform(value: unknown, { data: name = 'value' }: ArgumentMetadata): number {
    if ((value === undefined || value === '') && this.range.default !== undefined) return this.range.default;
    const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= this.range.min && parsed <= this.range.max)) {
      throw new BadRequestException(
        `${name} must be an integer from ${this.range.min} to ${this.range.max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  }
}

/** For `:id` route parameters. */
export const ID = new IntPipe({ min: 1, max: MAX_ID });

/** For `?limit=` on lists: at most 100 rows, 20 unless asked. */
export const LIMIT = new IntPipe({ min: 1, max: 100, default: 20 });

/** Parses an optional query parameter that must be one of a fixed set of strings. */
export class OneOfPipe<T extends string> implements PipeTransform<unknown, T | undefined> {
  constructor(private readonly allowed: readonly T[]) {}

  transform(value: unknown, { data: name = 'value' }: ArgumentMetadata): T | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string' && (this.allowed as readonly string[]).includes(value)) return value as T;
    throw new BadRequestException(`${name} must be one of ${this.allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/** Parses an optional `YYYY-MM-DD` query parameter, rejecting days that don't exist (2025-02-30). */
export class DayPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown, { data: name = 'value' }: ArgumentMetadata): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const day = new Date(`${value}T00:00:00Z`);
      if (!Number.isNaN(day.getTime()) && day.toISOString().startsWith(value)) return value;
    }
    throw new BadRequestException(`${name} must be a date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
}
