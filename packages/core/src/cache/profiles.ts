import { invalidOption } from '../errors.js';
import { resolveEntryOptions, type EntryOptions, type ResolvedEntryOptions, type TtlFunction } from './entry-options.js';
import { isObject } from './option-checks.js';

/**
 * A profile: entry options, where `ttl`, `l1Ttl` and `grace` may be functions of the loaded value
 * (applied by `getOrSet` and the decorators that name the profile; elsewhere the cache's own apply).
 */
export interface Profile extends Omit<EntryOptions, 'profile' | 'ttl' | 'l1Ttl' | 'grace'> {
  ttl?: number | TtlFunction<any>;
  l1Ttl?: number | TtlFunction<any>;
  grace?: number | TtlFunction<any>;
}

/** A validated profile: its fixed options, and its functions if it has any. */
export interface ResolvedProfile {
  readonly options: EntryOptions;
  readonly functions: Readonly<Partial<Record<'ttl' | 'l1Ttl' | 'grace', TtlFunction<unknown>>>> | undefined;
}

export type Profiles = ReadonlyMap<string, ResolvedProfile>;

export function profileOf(profiles: Profiles, profile: unknown, field: string): EntryOptions {
  const found = typeof profile === 'string' ? profiles.get(profile)?.options : undefined;
  if (found === undefined) {
    const defined = profiles.size === 0 ? 'none; add `profiles` to the cache options' : [...profiles.keys()].join(', ');
    throw invalidOption(field, `no profile is named ${JSON.stringify(profile)} (defined: ${defined})`);
  }
  return found;
}

/** An option written as `undefined` means "not given": it must not hide the profile's value. */
export function definedOnly(options: EntryOptions): EntryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as EntryOptions;
}

/** Each profile is checked once, against the cache's defaults, so a bad one fails where it is defined. */
export function resolveProfiles(given: unknown, base: ResolvedEntryOptions): Profiles {
  if (given === undefined) return new Map();
  if (!isObject(given)) throw invalidOption('profiles', 'expected an object of named entry options');
  const profiles = new Map<string, ResolvedProfile>();
  for (const [profileName, profile] of Object.entries(given as Record<string, Profile & { profile?: unknown }>)) {
    if (!isObject(profile)) throw invalidOption(`profiles.${profileName}`, 'expected an object of entry options (ttl, l1Ttl, grace, jitter…)');
    if (profile.profile !== undefined) throw invalidOption(`profiles.${profileName}.profile`, 'a profile cannot name another profile');
    const options: Record<string, unknown> = { ...profile };
    const functions: Record<string, TtlFunction<unknown>> = {};
    for (const field of ['ttl', 'l1Ttl', 'grace'] as const) {
      if (typeof profile[field] !== 'function') continue;
      functions[field] = profile[field] as TtlFunction<unknown>;
      delete options[field];
    }
    resolveEntryOptions(options, base, `profiles.${profileName}.`);
    profiles.set(profileName, Object.freeze({ options: Object.freeze(options), functions: Object.keys(functions).length > 0 ? functions : undefined }));
  }
  return profiles;
}
