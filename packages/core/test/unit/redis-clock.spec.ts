import { Redis } from 'ioredis';
import { RedisClock } from '../../src/tiers/redis-clock.js';

describe('RedisClock', () => {
  it('stamps after every time Redis reported, however low its measured offset', () => {
    const clock = new RedisClock(new Redis({ lazyConnect: true }));
    const reported = Date.now() + 10_000; // a Redis clock far ahead of this host's
    clock.saw(reported);
    expect(Date.now() + clock.stampOffset()).toBeGreaterThan(reported);
    clock.saw(reported - 5_000); // an older report moves nothing back
    expect(Date.now() + clock.stampOffset()).toBeGreaterThan(reported);
    expect(clock.midOffset()).toBe(0); // deadlines use the measurement alone
  });
});
