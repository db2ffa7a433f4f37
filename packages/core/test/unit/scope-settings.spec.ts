import { resolveOptions } from '../../src/cache/options.js';
import { Scope } from '../../src/cache/scope.js';
import { ErrorCode } from '../../src/errors.js';

const scope = () => {
  const resolved = resolveOptions({ namespace: 'settings', ttl: 1_000 });
  return Scope.root(resolved.prefix, resolved.defaults);
};

describe('Scope.settings', () => {
  it('resolves the defaults once', () => {
    const s = scope();
    expect(s.settings(undefined, 'options.')).toBe(s.settings(undefined, 'options.'));
    expect(s.settings(undefined, 'options.')).toMatchObject({ ttl: 1_000, tags: [] });
  });

  it('resolves a frozen options object once, and a mutable one on every call', () => {
    const s = scope();
    const frozen = Object.freeze({ ttl: 5, tags: Object.freeze(['a']) });
    expect(s.settings(frozen, 'options.')).toBe(s.settings(frozen, 'options.'));
    const mutable: { ttl: number; tags?: string[] } = { ttl: 5 };
    expect(s.settings(mutable, 'options.').ttl).toBe(5);
    mutable.ttl = 7;
    expect(s.settings(mutable, 'options.').ttl).toBe(7);
    // A frozen object whose tags can still change is not remembered either.
    const tags = ['a'];
    const looseTags = Object.freeze({ tags });
    expect(s.settings(looseTags, 'options.').tags).toEqual(['a']);
    tags.push('b');
    expect(s.settings(looseTags, 'options.').tags).toEqual(['a', 'b']);
  });

  it('rejects a bad frozen options object on every call', () => {
    const s = scope();
    const bad = Object.freeze({ ttl: -1 });
    for (let i = 0; i < 2; i++) {
      expect(() => s.settings(bad, 'options.')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }));
    }
  });
});
