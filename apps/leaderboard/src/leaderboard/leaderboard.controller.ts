import { Controller, Get, Query } from '@nestjs/common';
import { DayPipe, IntPipe } from '../http/pipes.js';
import { DEFAULT_TOP, todayUtc, type Leaderboard } from './leaderboard.js';
import { LeaderboardService } from './leaderboard.service.js';

const TOP = new IntPipe({ min: 1, max: 100, default: DEFAULT_TOP });

@Controller('leaderboards')
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
