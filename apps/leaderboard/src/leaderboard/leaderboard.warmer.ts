import { Injectable } from '@nestjs/common';
import { CacheWarmer, type WarmerContext } from '@tiercache/nestjs/warmers';
import { CACHES } from '../cache/cache-policy.js';
import { DEFAULT_TOP, todayUtc } from './leaderboard.js';
import { LeaderboardService } from './leaderboard.service.js';

const DAY_MS = 86_400_000;

@Injectable()
export class LeaderboardWarmer {
  constructor(private readonly leaderboards: LeaderboardService) {}

  /**
   * Keeps today's and this week's default boards, and yesterday's and last week's (which readers look
   * back at as the day rolls over), in the cache. Once a minute, and once in the fleet when the cache
   * has Redis (the warmer is exclusive then).
   *
   * It reads through the cached methods rather than writing computed boards with `ctx.setMany`: a
   * load-through stores nothing when a vote invalidated the board while the query ran, where a write
   * of a board computed before that vote would put the old board back.
   */
  @CacheWarmer({ name: 'leaderboards', cron: '0 * * * * *', runOnStartup: true, cache: CACHES.liveBoards, timeoutMs: 30_000 })
  async warm(ctx: WarmerContext): Promise<void> {
    const today = todayUtc();
    const yesterday = todayUtc(new Date(Date.now() - DAY_MS));
    const lastWeek = todayUtc(new Date(Date.now() - 7 * DAY_MS));
    const reads = [
      () => this.leaderboards.daily(today, DEFAULT_TOP),
      () => this.leaderboards.weekly(today, DEFAULT_TOP),
      () => this.leaderboards.daily(yesterday, DEFAULT_TOP),
      () => this.leaderboards.weekly(lastWeek, DEFAULT_TOP),
    ];
    for (const [done, read] of reads.entries()) {
      ctx.signal.throwIfAborted();
      await read();
      ctx.progress(done + 1, reads.length);
    }
  }
}
