import { Redis } from 'ioredis';
import { RedisClock } from '../../src/tiers/redis-clock.js';

describe('RedisClock', () => {
  it('stamps after every time Redis reported, however low its measured offset', () => {
    const clock = new RedisClock(new Redis({ lazyConnect: true }));
    const reported = Date.now() + 10_000; // a Redis clock far ahead of this host's
    // As Clock stamps: this host's clock read once, plus the offset for that reading.
    const stamp = () => {
      const now = Date.now();
      return now + clock.stampOffset(now);
    };
    clock.saw(reported);
    expect(stamp()).toBeGreaterThan(reported);
    clock.saw(reported - 5_000); // an older report moves nothing back
    expect(stamp()).toBeGreaterThan(reported);
    expect(clock.midOffset()).toBe(0); // deadlines use the measurement alone
  });
});
