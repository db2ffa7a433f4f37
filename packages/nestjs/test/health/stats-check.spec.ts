import { HealthIndicatorService } from '@nestjs/terminus';
import { checkStats } from '../../src/health/stats-check.js';

describe('checkStats: the shape of the write-behind and absent-key indicators', () => {
  const health = new HealthIndicatorService();
  const judge = (stats: { depth: number }) => ({ data: { depth: stats.depth }, problems: stats.depth > 1 ? ['too deep'] : [] });

  it('is up with the data when the judge finds nothing', async () => {
    expect(await checkStats(health, 'q', { what: 'the queue state', timeoutMs: undefined, read: async () => ({ depth: 1 }), judge })).toEqual({
      q: { status: 'up', depth: 1 },
    });
  });

  it('is degraded with the problems otherwise', async () => {
    expect(await checkStats(health, 'q', { what: 'the queue state', timeoutMs: undefined, read: async () => ({ depth: 2 }), judge })).toEqual({
      q: { status: 'degraded', depth: 2, problems: ['too deep'] },
    });
  });

  it.each<[string, () => Promise<{ depth: number }>, string]>([
    ['an unknown name (read throws at once)', () => {
      throw new Error('no queue is named "x"');
    }, 'the queue state could not be read: no queue is named "x"'],
    ['stats that fail', () => Promise.reject(new Error('Redis is down')), 'the queue state could not be read: Redis is down'],
    ['stats that never answer', () => new Promise<never>(() => undefined), 'the queue state could not be read: stats() timed out after 5 ms'],
  ])('is down, never throwing, on %s', async (_, read, message) => {
    expect(await checkStats(health, 'q', { what: 'the queue state', timeoutMs: 5, read, judge })).toEqual({ q: { status: 'down', message } });
  });
});
