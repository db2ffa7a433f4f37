import slotOf from 'cluster-key-slot';
import { loadLockResource, slotTag } from '../../src/load/load-lock-key.js';

/** The lock key RedisLockProvider makes of a resource: `<prefix>{<resource>}`. */
const lockKey = (key: string) => `tiercache:load:{${loadLockResource(key)}}`;

describe('the fleet load lock lives in its key’s Cluster slot', () => {
  it('computes slots as Redis does (the one slot hash, cluster-key-slot)', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(slotOf('123456789')).toBe(0x31c3 & 0x3fff);
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    // An empty tag hashes the whole key.
    expect(slotOf('foo{}{bar}')).not.toBe(slotOf('bar'));
    expect(slotOf('foo{{bar}}zap')).toBe(slotOf('{bar'));
  });

  it.each([
    ['a plain key', 'app:agent:42'],
    ['a key with a hash tag', 'app:user:{42}:profile'],
    ['a key with an empty tag', 'app:a{}b'],
    ['a key with a closing brace only', 'app:a}b'],
    ['a key whose braces are the wrong way round', 'app:}{x'],
    ['a key with an opening brace only', 'app:a{b'],
    ['a non-ASCII key', 'app:café:ü'],
  ])('%s', (_name, key) => {
    expect(slotTag(key)).not.toContain('}');
    expect(slotTag(key).length).toBeGreaterThan(0);
    expect(slotOf(lockKey(key))).toBe(slotOf(key));
    expect(slotOf(`${lockKey(key)}:fence`)).toBe(slotOf(key));
  });

  it('gives different keys different locks', () => {
    expect(loadLockResource('app:a}b')).not.toBe(loadLockResource('app:a}c'));
    expect(loadLockResource('app:{x}1')).not.toBe(loadLockResource('app:{x}2'));
  });
});
