import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors.js';

/** One component of a structured key: a string is kept readable, anything else is encoded canonically. */
export type KeyPart = string | number | boolean | bigint | null | undefined | Date | readonly unknown[] | object;

/** A key is either a ready string or the parts it is built from, e.g. `['agent', 42]`. */
export type CacheKey = string | readonly KeyPart[];

const SEPARATOR = ':';
/** Ends a child namespace; never appears unescaped inside a key, so namespaces can't be forged. */
export const NAMESPACE_SEPARATOR = '|';

/**
 * For one part of a structured key or one name in a prefix: escapes the separators (and the escape
 * character) so that `('a:b', 'c')` and `('a', 'b:c')` can never meet, and a leading `~` so that a
 * string can never look like an encoded non-string.
 */
function escapeText(text: string): string {
  if (!/[%:~|]/.test(text)) return text;
  return text.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/\|/g, '%7C').replace(/^~/, '%7E');
}

/** For a key given as one string: kept as written, except that it cannot contain a namespace boundary. */
function escapeRaw(text: string): string {
  if (!/[%|]/.test(text)) return text;
  return text.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

/** An injective text form of any key part: sorted object keys, typed markers for non-JSON values. */
function canonical(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      throw invalidArgument('key part', `a ${typeof value} cannot be part of a cache key`);
  }
  if (value === null) return 'null';
  if (seen.has(value)) throw invalidArgument('key part', 'a key part must not contain a cycle');
  seen.add(value);
  try {
    if (value instanceof Date) return `D${Number.isNaN(value.getTime()) ? 'NaN' : value.toISOString()}`;
    if (Array.isArray(value)) return `[${value.map((item) => canonical(item, seen)).join(',')}]`;
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => `${canonical(k, seen)}=>${canonical(v, seen)}`).sort();
      return `M{${entries.join(',')}}`;
    }
    if (value instanceof Set) return `S{${[...value].map((item) => canonical(item, seen)).sort().join(',')}}`;
    const fields = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], seen)}`);
    return `{${fields.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

function encodePart(part: unknown): string {
  if (typeof part === 'string') return escapeText(part);
  if (typeof part === 'number' && Number.isFinite(part) && !Object.is(part, -0)) return `~${part}`;
  return `~${escapeText(canonical(part, new Set()))}`;
}

/**
 * Builds the collision-free string form of a key. A string key is used as written (`'agent:42'`),
 * so parts `['agent', 'alice']` and the string `'agent:alice'` name the same entry.
 */
export function buildKey(key: CacheKey): string {
  if (typeof key === 'string') {
    if (key.length === 0) throw invalidArgument('cache key', 'a key must be a non-empty string');
    return escapeRaw(key);
  }
  if (!Array.isArray(key) || key.length === 0) {
    throw invalidArgument('cache key', 'a key must be a non-empty string or a non-empty array of parts');
  }
  let out = encodePart(key[0]);
  for (let i = 1; i < key.length; i++) out += SEPARATOR + encodePart(key[i]);
  return out;
}

/**
 * What `deleteByPattern` takes: a Redis glob written as string keys are (`'tasks:agent:*'`), or the
 * parts of the keys it matches (`['tasks', 'agent', 42, '*']`), where string parts are globs and
 * every other part matches only itself.
 */
export type KeyPattern = string | readonly KeyPart[];

/** A segment that is the text form of a number, boolean or null, which parts store as `~<text>`. */
const SCALAR_SEGMENT = /^(?:-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false|null|undefined)$/;

/** `segments` written as a parts array, each scalar one as its value or as its text. */
function asParts(segments: readonly string[], scalar: 'value' | 'text'): string {
  const quoted = (segment: string) => `'${segment.replace(/[\\']/g, '\\$&')}'`;
  return `[${segments.map((segment) => (scalar === 'value' && SCALAR_SEGMENT.test(segment) ? segment : quoted(segment))).join(', ')}]`;
}

/**
 * The glob, without the prefix, that `pattern` stands for. A string pattern with a segment such as
 * `42` is refused: it would silently miss keys built from parts, where the number 42 is `~42`.
 */
export function buildPattern(pattern: KeyPattern): string {
  if (typeof pattern === 'string') {
    if (pattern.length === 0) throw invalidArgument('pattern', 'expected a non-empty glob or a non-empty array of key parts');
    const segments = pattern.split(SEPARATOR);
    const scalar = segments.find((segment) => SCALAR_SEGMENT.test(segment));
    if (scalar !== undefined) {
      throw invalidArgument(
        'pattern',
        `"${pattern}" has the segment ${scalar}, which never matches a key built from parts with the value ${scalar} there ` +
          `(parts store it as ~${scalar}). Pass the pattern as parts: ${asParts(segments, 'value')} for that value, ` +
          `or ${asParts(segments, 'text')} for the text (string keys as written included).`,
      );
    }
    return escapeRaw(pattern);
  }
  if (!Array.isArray(pattern) || pattern.length === 0) {
    throw invalidArgument('pattern', 'expected a non-empty glob or a non-empty array of key parts');
  }
  return pattern.map((part: unknown) => (typeof part === 'string' ? escapeText(part) : escapeGlob(encodePart(part)))).join(SEPARATOR);
}

/** Escapes one name (namespace, version) for use inside a prefix. */
export function encodeName(name: string): string {
  return escapeText(name);
}

/**
 * Keeps Redis keys bounded: a key longer than `maxLength` keeps its prefix readable and replaces the
 * rest with a SHA-256 digest, which is collision-free in practice.
 */
export function limitKeyLength(prefix: string, key: string, maxLength: number): string {
  const full = prefix + key;
  if (full.length <= maxLength) return full;
  return `${prefix}#${createHash('sha256').update(key).digest('base64url')}`;
}

/** Escapes Redis glob metacharacters so a literal prefix can be used in `SCAN MATCH`. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}
