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
      await cache.set('k', 'v', { ttl: 300 });
      const expiresAt = Date.now() + 300;
      // One turn: awaited reads only, while the real time passes the expiry.
      const reads: unknown[] = [];
      while (Date.now() <= expiresAt + 5) reads.push(await cache.get('k'));
      for (let i = 0; i < 64; i++) reads.push(await cache.get('k'));
      expect(reads[0]).toBe('v');
      expect(reads.at(-1)).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});
