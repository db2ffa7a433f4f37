import { invalidOption } from '../errors.js';
import { isObject } from './option-checks.js';

/**
 * The shape of an options object (core's and every Nest module's), as far as key names go: `true` for a leaf whose value the engine (or
 * Nest) validates, a nested shape for an object we descend into, `{ '*': shape }` for a record of
 * user-chosen names. Values are not checked here: only that every key is one we know, so a typo such
 * as `tll` fails at startup instead of silently meaning "the default".
 */
export type OptionShape = { readonly [key: string]: true | OptionShape };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Optimal string alignment distance: a transposition (`tll` → `ttl`) counts as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known names closest to `name`, if any is close enough to be a likely typo. */
export function closest(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.ceil(name.length / 3)));
  let best = Infinity;
  let found: string[] = [];
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    // A prefix (`maxEntry` of `maxEntries`) is a likely slip too.
    const score = candidate.toLowerCase().startsWith(lower) && lower.length >= 3 ? Math.min(distance, 1) : distance;
    if (score > limit) continue;
    if (score < best) [best, found] = [score, [candidate]];
    else if (score === best) found.push(candidate);
  }
  return found;
}

export function didYouMean(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return near.length === 0 ? '' : ` Did you mean ${near.map((key) => `\`${key}\``).join(' or ')}?`;
}

/**
 * Throws E_INVALID_OPTION for the first key of `value` (at any depth) that `shape` does not know,
 * naming its full path (`caches.sessions.tll`) and the closest known key.
 */
export function checkKnownKeys(value: unknown, shape: OptionShape, path: string): void {
  if (!isPlainObject(value)) return;
  const known = Object.keys(shape).filter((key) => key !== '*');
  for (const [key, child] of Object.entries(value)) {
    const where = path === '' ? key : `${path}.${key}`;
    const rule = shape[key] ?? shape['*'];
    if (rule === undefined) {
      throw invalidOption(where, `unknown option.${didYouMean(key, known)} Known here: ${known.join(', ')}.`);
    }
    if (rule !== true && child !== undefined && child !== false) checkKnownKeys(child, rule, where);
  }
}

/**
 * `checkKnownKeys` for options given per call, on every call: a loop over the given keys, with the
 * error (and its suggestions) built only for a bad one. Frozen options (a decorator's, made once)
 * are checked once.
 */
export class CallOptionsCheck {
  readonly #passed = new WeakSet<object>();
  /** Only options without nested ones are remembered: a nested object may change though its parent can't. */
  readonly #flat: boolean;

  constructor(private readonly shape: OptionShape) {
    this.#flat = Object.values(shape).every((rule) => rule === true);
  }

  check(value: unknown, path: string): void {
    if (this.#passed.has(value as object)) return;
    if (!isObject(value)) throw invalidOption(path, 'expected an object');
    const { shape } = this;
    // The common case (only known leaf keys) costs a lookup per key; anything else is checkKnownKeys' to judge.
    for (const key in value as object) {
      if (!Object.hasOwn(shape, key) || shape[key] !== true) return checkKnownKeys(value, shape, path);
    }
    if (this.#flat && Object.isFrozen(value)) this.#passed.add(value as object);
  }
}
