import { NotFoundException } from '@nestjs/common';

/**
 * Services answer an unknown id with `null` rather than an exception: "no such row" is a result a cache
 * may keep, where a thrown error is not. Controllers turn it into the 404 here.
 */
export function orNotFound<T>(value: T | null, what: string, id: number): T {
  if (value === null) throw new NotFoundException(`${what} ${id} not found`);
  return value;
}
