import { invalidOption } from '../errors.js';
import { checkKnownKeys } from '../options/known-keys.js';
import { EVENTS_MODULE_SHAPE } from '../options/shapes.js';
import type { CacheEventsModuleOptions, EventHandler, EventInvalidationRule } from './cache-events.options.js';

const RULE_SHAPE = { cache: true, tags: true, keys: true, mode: true } as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the module options where they are declared: unknown keys and shapes fail naming the rule. */
export function checkEventsOptions(options: CacheEventsModuleOptions): void {
  if (!isPlainObject(options)) throw invalidOption('CacheEventsModule.forRoot', 'expected an object');
  checkKnownKeys(options, EVENTS_MODULE_SHAPE, 'CacheEventsModule.forRoot');
  moduleRules(options);
}

/** The module's `invalidate` map as handlers, each named by where it was written. */
export function moduleRules(options: CacheEventsModuleOptions): EventHandler[] {
  const { invalidate } = options;
  if (invalidate === undefined) return [];
  if (!isPlainObject(invalidate)) throw invalidOption('CacheEventsModule.forRoot.invalidate', 'expected an object of event names to rules');
  return Object.entries(invalidate).flatMap(([event, given]) => {
    const rules = (Array.isArray(given) ? given : [given]) as EventInvalidationRule[];
    return rules.map((rule, i) => toHandler(event, rule, `CacheEventsModule.invalidate['${event}']${Array.isArray(given) ? `[${i}]` : ''}`));
  });
}

function toHandler(event: string, rule: EventInvalidationRule, source: string): EventHandler {
  if (!isPlainObject(rule)) throw invalidOption(source, 'expected { cache?, tags?, keys?, mode? }');
  checkKnownKeys(rule, RULE_SHAPE, source);
  const { cache, tags, keys, mode = 'hard' } = rule;
  if (tags === undefined && keys === undefined) throw invalidOption(source, 'give tags, keys or both');
  if (tags !== undefined && typeof tags !== 'function' && !Array.isArray(tags)) throw invalidOption(`${source}.tags`, 'expected an array of tags or a function of the payload');
  if (keys !== undefined && typeof keys !== 'function' && !Array.isArray(keys)) throw invalidOption(`${source}.keys`, 'expected an array of keys or a function of the payload');
  if (mode !== 'hard' && mode !== 'soft') throw invalidOption(`${source}.mode`, `expected 'hard' or 'soft', got ${JSON.stringify(mode)}`);
  if (cache !== undefined && (typeof cache !== 'string' || cache === '')) throw invalidOption(`${source}.cache`, 'expected a cache name');
  return {
    event,
    source,
    cache,
    mode,
    targets: (payload) => {
      const tagList = typeof tags === 'function' ? tags(payload) : (tags ?? []);
      return { tags: typeof tagList === 'string' ? [tagList] : tagList, keys: typeof keys === 'function' ? keys(payload) : (keys ?? []) };
    },
  };
}
