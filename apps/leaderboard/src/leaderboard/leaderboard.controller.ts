import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { HttpCache, HttpCacheInterceptor } from '@tiercache/nestjs/http';
import { CACHES, TAGS } from '../cache/cache-policy.js';
import { DayPipe, IntPipe } from '../http/pipes.js';
import { DEFAULT_TOP, todayUtc, type Leaderboard } from './leaderboard.js';
import { LeaderboardService } from './leaderboard.service.js';

const TOP = new IntPipe({ min: 1, max: 100, default: DEFAULT_TOP });

/**
 * Whole responses are cached too (ETag, 304, Cache-Control), in the live-boards namespace and under
 * the tags its writes already evict: a vote or a finished task evicts `boards`, a rename the boards
 * that rank the agent (`ranked:<id>`, in live and past boards alike), a status change every board.
 */
@Controller('leaderboards')
@UseInterceptors(HttpCacheInterceptor)
@HttpCache({
  cache: CACHES.liveBoards,
  tags: [TAGS.boards, (_request: unknown, board: Leaderboard) => board.entries.map((entry) => TAGS.ranked(entry.agent_id))],
})
export class LeaderboardController {
  constructor(private readonly leaderboards: LeaderboardService) {}

  @Get('daily')
  daily(@Query('date', DayPipe) date: string | undefined, @Query('limit', TOP) limit: number): Promise<Leaderboard> {
    return this.leaderboards.daily(date ?? todayUtc(), limit);
  }

  @Get('weekly')
  weekly(@Query('date', DayPipe) date: string | undefined, @Query('limit', TOP) limit: number): Promise<Leaderboard> {
    return this.leaderboards.weekly(date ?? todayUtc(), limit);
  }
}
