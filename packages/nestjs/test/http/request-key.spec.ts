import { buildKey } from '@tiercache/core';
import { cacheControl, matchesIfNoneMatch } from '../../src/http/cached-response.js';
import { normalisedQuery, requestKey, type RequestShape } from '../../src/http/request-key.js';

const request = (overrides: Partial<RequestShape> = {}): RequestShape => ({
  method: 'GET',
  route: 'Agents.find /agents/:id',
  url: '/agents/1',
  params: { id: '1' },
  headers: {},
  ...overrides,
});
const keyOf = (shape: RequestShape, vary: string[] = [], shared = false) => buildKey(requestKey(shape, vary, shared).parts);

describe('response keys', () => {
  it('sorts query parameters by name and keeps repeated ones in order', () => {
    expect(normalisedQuery('/x?b=2&a=1&a=0#frag')).toEqual([['a', '1'], ['a', '0'], ['b', '2']]);
    expect(keyOf(request({ url: '/agents/1?b=2&a=1' }))).toBe(keyOf(request({ url: '/agents/1?a=1&b=2' })));
    expect(keyOf(request({ url: '/agents/1?a=1&a=2' }))).not.toBe(keyOf(request({ url: '/agents/1?a=2&a=1' })));
  });

  it('shares the GET entry with HEAD and tells params apart', () => {
    expect(keyOf(request({ method: 'HEAD' }))).toBe(keyOf(request()));
    expect(keyOf(request({ params: { id: '2' } }))).not.toBe(keyOf(request()));
  });

  it('keys by credentials as a digest, unless the route shares across users', () => {
    const alice = request({ headers: { authorization: 'Bearer secret-alice' } });
    const keyed = requestKey(alice, [], false);
    expect(keyed.perUser).toBe(true);
    expect(buildKey(keyed.parts)).not.toContain('secret-alice');
    expect(keyOf(alice)).not.toBe(keyOf(request({ headers: { authorization: 'Bearer bob' } })));
    expect(keyOf(alice, [], true)).toBe(keyOf(request(), [], true));
    expect(buildKey(requestKey(alice, ['Authorization'], true).parts)).not.toContain('secret-alice');
  });

  it('keys by declared vary headers, whatever their case and order', () => {
    const fr = request({ headers: { 'accept-language': 'fr', 'x-flag': 'on' } });
    expect(keyOf(fr, ['X-Flag', 'accept-language'])).toBe(keyOf(fr, ['accept-language', 'x-flag']));
    expect(keyOf(fr, ['accept-language'])).not.toBe(keyOf(request({ headers: { 'accept-language': 'en' } }), ['accept-language']));
  });
});

describe('validators and freshness headers', () => {
  it('matches If-None-Match lists, weak forms and *', () => {
    expect(matchesIfNoneMatch('"a", W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"a"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });

  it('derives max-age from the remaining TTL and stale-while-revalidate from grace', () => {
    expect(cacheControl({ perUser: false, ttl: 60_000, grace: 0, ageMs: 10_500 })).toBe('public, max-age=49');
    expect(cacheControl({ perUser: true, ttl: 1_000, grace: 30_000, ageMs: 5_000 })).toBe('private, max-age=0, stale-while-revalidate=30');
  });
});
