import type { CacheKey } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/** What an event invalidates: tags, or tags and keys (as the methods' `key` functions build them). */
export type InvalidationTargets =
  | string
  | readonly string[]
  | { readonly tags?: readonly string[]; readonly keys?: readonly CacheKey[] }
  | undefined
  | null;

/** Maps an event's payload to what it invalidates; may be async (it runs in the event's listener). */
export type EventInvalidator<E = any> = (payload: E) => InvalidationTargets | Promise<InvalidationTargets>;

/** Event name → what it invalidates. Names are as `EventEmitter2.emit` gets them (wildcards if it is set up for them). */
export type InvalidateOn = Readonly<Record<string, EventInvalidator>>;

/** Recorded by `@Cacheable({ invalidateOn })` and read by `CacheEventsModule` at startup. */
export interface InvalidateOnMetadata {
  /** `Class.method`. */
  readonly method: string;
  readonly cache?: string;
  readonly invalidateOn: InvalidateOn;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Fails when the class is defined, naming the method and the event: `@Cacheable(Agents.find).invalidateOn['agent.updated']`. */
export function checkInvalidateOn(method: string, invalidateOn: unknown): void {
  if (invalidateOn === undefined) return;
  const path = `@Cacheable(${method}).invalidateOn`;
  if (!isPlainObject(invalidateOn) || Object.keys(invalidateOn).length === 0) {
    throw invalidOption(path, "expected an object of event names to functions of the payload, e.g. { 'agent.updated': (event) => [`agent:${event.id}`] }");
  }
  for (const [event, invalidator] of Object.entries(invalidateOn)) {
    if (event.trim() === '') throw invalidOption(path, 'event names must be non-empty');
    if (typeof invalidator !== 'function') {
      throw invalidOption(`${path}['${event}']`, `expected a function of the event payload returning tags or { tags, keys }, got ${typeof invalidator}`);
    }
  }
}
