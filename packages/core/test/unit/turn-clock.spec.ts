import { TieredCache } from '../../src/index.js';
import { turnNow } from '../../src/read/turn-clock.js';
import { silentLogger } from '../support/redis.js';

// Taken before any test fakes the timers.
const realSetImmediate = setImmediate;
const nextTurn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

describe('turnNow', () => {
  let clock: jest.SpiedFunction<typeof Date.now>;
  let time: number;
  beforeEach(async () => {
    await nextTurn();
    time = 1_000_000;
    clock = jest.spyOn(Date, 'now').mockImplementation(() => time);
  });
  afterEach(() => clock.mockRestore());

  it('reads the clock once for the reads of one turn', () => {
    expect(turnNow()).toBe(1_000_000);
    time += 5;
    expect(turnNow()).toBe(1_000_000);
    expect(clock).toHaveBeenCalledTimes(1);
  });

  it('reads it again in the next turn', async () => {
    turnNow();
    time += 5;
    await nextTurn();
    expect(turnNow()).toBe(1_000_005);
  });

  it('reads it again within one long turn, at least every 64 reads', () => {
    turnNow();
    time += 5;
    const seen = Array.from({ length: 64 }, () => turnNow());
    expect(seen.at(-1)).toBe(1_000_005);
  });

  it('is read again in the next turn under a test’s fake timers', async () => {
    jest.useFakeTimers({ doNotFake: ['Date', 'nextTick'] });
    try {
      turnNow();
      time += 5;
      await nextTurn();
      expect(turnNow()).toBe(1_000_005);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('an L1 copy past its expiry', () => {
  it('is not served long after it, even within one turn of awaited hits', async () => {
    const cache = new TieredCache({ namespace: 'turn-clock', logger: silentLogger, l2: false });
    try {
      await cache.set('k', 'v', { ttl: 40 });
      const expiresAt = Date.now() + 40;
      expect(await cache.get('k')).toBe('v');
      // One turn: awaited hits only, while the real time passes the expiry.
      const misses: number[] = [];
      for (let i = 0; Date.now() <= expiresAt + 5 || i < 200; i++) if ((await cache.get('k')) === undefined) misses.push(i);
      expect(misses.length).toBeGreaterThan(0);
      expect(await cache.get('k')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});
