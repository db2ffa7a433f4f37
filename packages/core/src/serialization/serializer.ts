import { ErrorCode, TiercacheError } from '../errors.js';
import { plainJsonBytes } from '../values/snapshot.js';

/**
 * Turns values into text for L2 and back. `id` is stored with every entry, so an entry written by
 * another serializer reads as a miss instead of being misdecoded.
 */
export interface Serializer {
  readonly id: string;
  /** Throws a TiercacheError with code E_SERIALIZATION for a value it cannot represent. */
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
}

// Marks a tagged value; a NUL key never occurs in JSON that services return by accident.
const TAG = '\u0000';

function unsupported(what: string, key: string, cause?: unknown): TiercacheError {
  const where = key === '' ? 'the value' : `key "${key}"`;
  return new TiercacheError(ErrorCode.Serialization, `Cannot cache ${where}: ${what} cannot be serialized.`, { cause });
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

function isPairs(list: unknown): list is [unknown, unknown][] {
  return Array.isArray(list) && list.every((pair) => Array.isArray(pair) && pair.length === 2);
}

/**
 * Rebuilds a tagged value. Whoever can write to Redis controls this input, so every payload must
 * have exactly the form `serialize` writes; anything else makes the entry unreadable (a miss).
 */
function revive(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, TAG)) return value;
  const tagged = value as { [TAG]: unknown; v: unknown };
  if (Object.keys(tagged).length !== 2 || !Object.hasOwn(tagged, 'v')) throw new Error('misshapen tagged value');
  const v = tagged.v;
  switch (tagged[TAG]) {
    case 'D':
      if (v === null || typeof v === 'number') return new Date(v ?? Number.NaN);
      break;
    case 'M':
      if (isPairs(v)) return new Map(v);
      break;
    case 'S':
      if (Array.isArray(v)) return new Set(v);
      break;
    case 'B':
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      break;
    case 'N':
      if (typeof v === 'string' && NON_FINITE.has(v)) return Number(v);
      break;
    case 'O':
      // fromEntries defines the fields, so an own `__proto__` key stays a plain field.
      if (isPairs(v) && v.every(([field]) => typeof field === 'string')) return Object.fromEntries(v);
      break;
  }
  throw new Error(`misshapen tagged value ${String(tagged[TAG])}`);
}

/** The text of a value plain JSON does not round-trip: its Dates, Maps, Sets, BigInts and non-finite numbers tagged. */
function taggedJson(value: unknown): string {
  let tagged = false;
  function replacer(this: Record<string, unknown>, key: string, encoded: unknown): unknown {
    const raw = this[key];
    switch (typeof raw) {
      case 'function':
      case 'symbol':
        throw unsupported(`a ${typeof raw}`, key);
      case 'bigint':
        tagged = true;
        return { [TAG]: 'B', v: raw.toString() };
      case 'number':
        if (Number.isFinite(raw)) return encoded;
        tagged = true;
        return { [TAG]: 'N', v: String(raw) };
      case 'object': {
        if (raw === null) return null;
        if (raw instanceof Date) {
          tagged = true;
          const time = raw.getTime();
          return { [TAG]: 'D', v: Number.isNaN(time) ? null : time };
        }
        if (encoded !== raw) return encoded; // the object's own toJSON() decided its form
        if (raw instanceof Map) {
          tagged = true;
          return { [TAG]: 'M', v: [...raw] };
        }
        if (raw instanceof Set) {
          tagged = true;
          return { [TAG]: 'S', v: [...raw] };
        }
        if (Object.hasOwn(raw, TAG)) {
          tagged = true;
          return { [TAG]: 'O', v: Object.entries(raw) };
        }
        return raw;
      }
      default:
        return encoded;
    }
  }
  let json: string;
  try {
    json = JSON.stringify(value, replacer);
  } catch (error) {
    if (error instanceof TiercacheError) throw error;
    throw unsupported('a value with a cycle (or another structure JSON refuses)', '', error);
  }
  return (tagged ? 't' : 'j') + json;
}

/** The built-in serializer's text, and the value's heap bytes if it is plain JSON (-1 if not). */
export interface Serialized {
  readonly payload: string;
  readonly plainBytes: number;
}

/**
 * The built-in serializer's text for `value`, and its heap bytes when it is plain JSON (see
 * `plainJsonBytes`; -1 when not). Plain JSON is read back without the reviver, so a field named
 * like the tag is kept as it is; a replacer takes V8 off its fast JSON path (about twice the cost
 * for typical records), and most cached values are plain data.
 */
export function serializeJson(value: unknown): Serialized {
  if (value === undefined) return { payload: 'u', plainBytes: 0 };
  const plainBytes = plainJsonBytes(value);
  return { payload: plainBytes >= 0 ? 'j' + JSON.stringify(value) : taggedJson(value), plainBytes };
}

/**
 * JSON that also round-trips `Date`, `Map`, `Set`, `BigInt`, `NaN`/`±Infinity` and top-level
 * `undefined`. Output without any of those is plain JSON and decodes without a reviver, which keeps
 * the common L2 hit as cheap as a bare `JSON.parse`. Functions, symbols and cycles are rejected.
 */
export const jsonSerializer: Serializer = {
  id: 'json',
  serialize(value: unknown): string {
    return serializeJson(value).payload;
  },
  deserialize(text: string): unknown {
    switch (text.charCodeAt(0)) {
      case 0x6a: // j
        return JSON.parse(text.slice(1));
      case 0x74: // t
        return JSON.parse(text.slice(1), revive);
      case 0x75: // u
        if (text.length === 1) return undefined;
        break;
    }
    throw new Error('not a jsonSerializer payload');
  },
};
