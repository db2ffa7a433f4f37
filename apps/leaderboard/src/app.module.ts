import { Module, type DynamicModule } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module.js';
import type { AppConfig } from './config.js';
import { DatabaseModule } from './db/database.module.js';
import { LeaderboardModule } from './leaderboard/leaderboard.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { VotesModule } from './votes/votes.module.js';

@Module({})
export class AppModule {
  /** The configuration comes in as an argument, not from the environment, so tests choose their own. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot({
          url: config.databaseUrl,
          seed: config.seedOnStart ? config.seedSize : null,
        }),
        AgentsModule,
        TasksModule,
        VotesModule,
        LeaderboardModule,
      ],
    };
  }
}
