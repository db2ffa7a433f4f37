import { cacheModuleOptions, pastBoardTtl, PROFILES } from './cache-policy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.parse('2026-12-01T12:00:00Z');

describe('cache policy', () => {
  it('keeps a past board longer the longer its window has been closed', () => {
    expect(pastBoardTtl({ to: new Date(now - HOUR) }, now)).toBe(HOUR);
    expect(pastBoardTtl({ to: new Date(now - 2 * DAY) }, now)).toBe(DAY);
    expect(pastBoardTtl({ to: new Date(now - 30 * DAY) }, now)).toBe(3 * DAY);
  });

  it('gives every cache a profile, and CACHE=off turns every TTL to 0, the adaptive one included', () => {
    const on = cacheModuleOptions({ redisUrl: 'redis://localhost:6379', cacheEnabled: true, cacheNamespace: 'lb' });
    expect(Object.values(on.caches!).every((cache) => cache.profile !== undefined)).toBe(true);
    expect(typeof on.profiles![PROFILES.past]!.ttl).toBe('function');
    // With Redis the L1 copy is capped at a minute on the profile, so a computed ttl cannot lift it.
    expect(on.profiles![PROFILES.past]!.l1Ttl).toBe(60_000);
    const off = cacheModuleOptions({ redisUrl: undefined, cacheEnabled: false, cacheNamespace: 'lb' });
    for (const profile of Object.values(off.profiles!)) expect(profile).toMatchObject({ ttl: 0, l1Ttl: 0, negativeTtl: 0 });
  });
});
