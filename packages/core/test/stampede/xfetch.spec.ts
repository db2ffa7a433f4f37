import { refreshAheadDue, xfetchDue } from '../../src/stampede/early-refresh.js';

/** mulberry32: a small seeded PRNG, so the statistics below are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('XFetch early refresh', () => {
  const SAMPLES = 40_000;
  const loadMs = 100;
  const expiresAt = 1_000_000;

  it.each([
    [1, 0],
    [1, 50],
    [1, 100],
    [1, 300],
    [2, 100],
    [0.5, 100],
  ])('with β=%p and %p ms left, refreshes with probability exp(-left / (loadMs·β))', (beta, left) => {
    const random = seeded(7 + left + beta * 1000);
    let due = 0;
    for (let i = 0; i < SAMPLES; i++) if (xfetchDue(expiresAt - left, expiresAt, loadMs, beta, random)) due++;
    const expected = Math.exp(-left / (loadMs * beta));
    // Four standard deviations of a binomial proportion.
    const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / SAMPLES) + 1e-9;
    expect(Math.abs(due / SAMPLES - expected)).toBeLessThanOrEqual(tolerance);
  });

  it('never refreshes early when off or when the load time is unknown', () => {
    const random = seeded(1);
    expect(xfetchDue(expiresAt - 1, expiresAt, loadMs, 0, random)).toBe(false);
    expect(xfetchDue(expiresAt - 1, expiresAt, 0, 1, random)).toBe(false);
  });

  it('is more eager for slower loads', () => {
    const count = (load: number) => {
      const random = seeded(42);
      let due = 0;
      for (let i = 0; i < 10_000; i++) if (xfetchDue(expiresAt - 200, expiresAt, load, 1, random)) due++;
      return due;
    };
    expect(count(400)).toBeGreaterThan(count(100));
  });
});

describe('refresh-ahead', () => {
  it('is due once the fraction of the lifetime has passed', () => {
    expect(refreshAheadDue(1_079, 1_000, 1_100, 0.8)).toBe(false);
    expect(refreshAheadDue(1_080, 1_000, 1_100, 0.8)).toBe(true);
    expect(refreshAheadDue(1_099, 1_000, 1_100, 0)).toBe(false);
  });
});
