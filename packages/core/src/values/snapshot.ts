import { ErrorCode, TiercacheError } from '../errors.js';
import { arrayBytes, bigintBytes, collectionBytes, dateBytes, numberBytes, objectBytes, stringBytes, typedArrayBytes } from '../read/l1-size.js';

/** A value prepared for L1, with what the tier needs to account for it. */
export interface Snapshot {
  readonly value: unknown;
  /** Retained heap bytes (see read/l1-size.ts), for the L1 byte bound. */
  readonly size: number;
  /**
   * True when the value holds something `Object.freeze` cannot protect (a Date's time, a Map's or
   * Set's contents, typed-array bytes), so every read must hand out a fresh copy.
   */
  readonly cloneOnRead: boolean;
}

/** Past this many fields an object is likely a dictionary, whose keys are its own strings, not its shape's. */
const SHAPED_FIELDS = 32;

/** What the walk throws; each level it unwinds through adds its step, so no path is built unless it fails. */
class Rejection {
  readonly steps: string[] = [];
  constructor(readonly what: string) {}

  error(): TiercacheError {
    const path = this.steps.reverse().join('').replace(/^\./, '');
    return new TiercacheError(ErrorCode.Serialization, `Cannot cache the value: ${this.what} at ${path || 'the top level'} cannot be cached. Return plain data instead.`);
  }
}

function within(error: unknown, step: string): never {
  if (error instanceof Rejection) error.steps.push(step);
  throw error;
}

/**
 * - `copy`: build a deep copy whose objects and arrays are frozen (what each read of a value holding
 *   a Date, Map, Set or typed array hands out);
 * - `measure`: only validate and measure, for the fast mode that shares values by reference.
 *
 * A value nobody else holds yet (freshly deserialized) is frozen in place by `freezeDecoded`.
 */
export type SnapshotMode = 'copy' | 'measure';

/**
 * Walks a value once to validate it (no functions, symbols or cycles) and measure it, protecting it
 * as `mode` says. Callers of a mutation-safe cache share one frozen value, so one caller's mutation
 * can never change what the next caller reads; prototypes are kept, so instances a serializer
 * revived stay instances.
 */
export function snapshot(value: unknown, mode: SnapshotMode): Snapshot {
  const copy = mode === 'copy';
  let size = 0;
  let cloneOnRead = false;
  const ancestors = new Set<object>();

  const visit = (current: unknown): unknown => {
    switch (typeof current) {
      case 'string':
        size += stringBytes(current);
        return current;
      case 'number':
        size += numberBytes(current);
        return current;
      case 'boolean':
      case 'undefined':
        return current;
      case 'bigint':
        size += bigintBytes();
        return current;
      case 'function':
      case 'symbol':
        throw new Rejection(`a ${typeof current}`);
    }
    if (current === null) return null;
    const object = current as object;
    if (ancestors.has(object)) throw new Rejection('a cycle');
    ancestors.add(object);
    try {
      if (Array.isArray(object)) {
        size += arrayBytes(object.length);
        const out = copy ? new Array<unknown>(object.length) : object;
        let i = 0;
        try {
          for (; i < object.length; i++) {
            const item = visit(object[i]);
            if (copy) out[i] = item;
          }
        } catch (error) {
          within(error, `[${i}]`);
        }
        return copy ? Object.freeze(out) : out;
      }
      if (object instanceof Date) {
        cloneOnRead = true;
        size += dateBytes();
        return copy ? new Date(object.getTime()) : object;
      }
      if (object instanceof Map) {
        cloneOnRead = true;
        size += collectionBytes(object.size, 2);
        const out = copy ? new Map<unknown, unknown>() : object;
        for (const [k, v] of object) {
          let entryKey;
          try {
            entryKey = visit(k);
          } catch (error) {
            within(error, '<key>');
          }
          let entryValue;
          try {
            entryValue = visit(v);
          } catch (error) {
            within(error, `.get(${String(k)})`);
          }
          if (copy) out.set(entryKey, entryValue);
        }
        return out;
      }
      if (object instanceof Set) {
        cloneOnRead = true;
        size += collectionBytes(object.size, 1);
        const out = copy ? new Set<unknown>() : object;
        try {
          for (const item of object) {
            const visited = visit(item);
            if (copy) out.add(visited);
          }
        } catch (error) {
          within(error, '<item>');
        }
        return out;
      }
      if (ArrayBuffer.isView(object)) {
        cloneOnRead = true;
        size += typedArrayBytes(object.byteLength);
        return copy ? structuredClone(object) : object;
      }
      const out = (copy ? Object.create(Object.getPrototypeOf(object) as object | null) : object) as object;
      const keys = Object.keys(object);
      size += objectBytes(keys.length);
      let key = '';
      try {
        for (key of keys) {
          if (keys.length > SHAPED_FIELDS) size += stringBytes(key);
          const field = visit((object as Record<string, unknown>)[key]);
          // Defined, not assigned: assigning an own `__proto__` key (as JSON.parse makes) would set the prototype.
          if (copy) Object.defineProperty(out, key, { value: field, enumerable: true, writable: true, configurable: true });
        }
      } catch (error) {
        within(error, `.${key}`);
      }
      return copy ? Object.freeze(out) : out;
    } finally {
      ancestors.delete(object);
    }
  };

  try {
    return { value: visit(value), size, cloneOnRead };
  } catch (error) {
    throw error instanceof Rejection ? error.error() : error;
  }
}

/**
 * For a value nobody else holds yet and that needs no validating (one just decoded): frozen in
 * place and measured as `snapshot` measures, in a walk that skips what makes `snapshot` cost several
 * times a JSON.parse (the cycle set, a key array per object, a path per field). An object frozen
 * already is not walked again, so shared parts and cycles end the walk (uncounted).
 */
export function freezeDecoded(value: unknown): Snapshot {
  const walk = { value, size: 0, cloneOnRead: false };
  freezeWalk(value, walk);
  return walk;
}

/** What `freezeWalk` adds up, into the snapshot it returns: no closure, no second object. */
interface Walk {
  size: number;
  cloneOnRead: boolean;
}

function freezeWalk(current: unknown, walk: Walk): void {
  switch (typeof current) {
    case 'string':
      walk.size += stringBytes(current);
      return;
    case 'number':
      walk.size += numberBytes(current);
      return;
    case 'bigint':
      walk.size += bigintBytes();
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (current === null || Object.isFrozen(current)) return;
  if (current instanceof Date || current instanceof Map || current instanceof Set || ArrayBuffer.isView(current)) {
    // Freezing can't protect these: each read gets a copy, so they are only measured.
    walk.cloneOnRead = true;
    walk.size += snapshot(current, 'measure').size;
    return;
  }
  Object.freeze(current);
  if (Array.isArray(current)) {
    walk.size += arrayBytes(current.length);
    for (let i = 0; i < current.length; i++) freezeWalk(current[i], walk);
    return;
  }
  let fields = 0;
  for (const key in current) {
    if (!Object.hasOwn(current, key)) continue;
    fields++;
    freezeWalk((current as Record<string, unknown>)[key], walk);
  }
  walk.size += objectBytes(fields);
  if (fields > SHAPED_FIELDS) for (const key of Object.keys(current)) walk.size += stringBytes(key);
}

/** Deeper than this, `plainJsonBytes` gives up (and the serializer's replacer, which sees cycles, decides). */
const PLAIN_DEPTH = 32;

/**
 * -1 unless plain JSON round-trips `value`: only finite numbers, strings, booleans, null, undefined,
 * arrays and objects of no class and without toJSON. Otherwise its heap bytes as `snapshot`
 * measures them, from the same walk: what the built-in serializer checks before its fast path is
 * what a set's value will cost L1, so a set walks its value once.
 */
export function plainJsonBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'boolean':
    case 'undefined':
      return 0;
    case 'number':
      return Number.isFinite(value) ? numberBytes(value) : -1;
    case 'object':
      break;
    default:
      return -1;
  }
  if (value === null) return 0;
  if (depth >= PLAIN_DEPTH) return -1;
  let size = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bytes = plainJsonBytes(value[i], depth + 1);
      if (bytes < 0) return -1;
      size += bytes;
    }
    return size + arrayBytes(value.length);
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return -1;
  let fields = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    fields++;
    const bytes = plainJsonBytes((value as Record<string, unknown>)[key], depth + 1);
    if (bytes < 0) return -1;
    size += bytes;
  }
  size += objectBytes(fields);
  if (fields > SHAPED_FIELDS) for (const key of Object.keys(value)) size += stringBytes(key);
  return size;
}
