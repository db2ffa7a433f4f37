import { Module } from '@nestjs/common';
import { LeaderboardController } from './leaderboard.controller.js';
import { LeaderboardService } from './leaderboard.service.js';
import { LeaderboardWarmer } from './leaderboard.warmer.js';

@Module({
  controllers: [LeaderboardController],
  providers: [LeaderboardService, LeaderboardWarmer],
})
export class LeaderboardModule {}
