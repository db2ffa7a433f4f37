import { BadRequestException } from '@nestjs/common';
import { MAX_ID } from './pipes.js';

/**
 * Reads a JSON request body field by field, turning each problem into a 400 that names the field.
 * Unknown fields are rejected too: a typo such as `stauts` would otherwise be silently ignored.
 */
export class BodyReader {
  private readonly fields: Record<string, unknown>;

  constructor(body: unknown, allowed: readonly string[]) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('the request body must be a JSON object');
    }
    const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw new BadRequestException(`unknown field ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
    }
    this.fields = body as Record<string, unknown>;
  }

  /** A string field, trimmed, non-empty and at most `maxLength` characters long. */
  string(field: string, maxLength: number): string | undefined {
    const value = this.fields[field];
    if (value === undefined) return undefined;
    const trimmed = typeof value === 'string' ? value.trim() : '';
    if (trimmed === '' || trimmed.length > maxLength) {
      throw new BadRequestException(`${field} must be a non-empty string of at most ${maxLength} characters`);
    }
    return trimmed;
  }

  /** A field that must be one of a fixed set of values (strings or numbers). */
  oneOf<T extends string | number>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.fields[field];
    if (value === undefined) return undefined;
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    throw new BadRequestException(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }

  /** A positive integer id field. */
  id(field: string): number | undefined {
    const value = this.fields[field];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID) return value;
    throw new BadRequestException(`${field} must be a positive integer id, got ${JSON.stringify(value)}`);
  }

  /** Turns an absent field into a 400. */
  required<T>(field: string, value: T | undefined): T {
    if (value === undefined) throw new BadRequestException(`${field} is required`);
    return value;
  }
}
