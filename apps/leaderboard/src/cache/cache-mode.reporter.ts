import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config.js';
import { describeCacheMode } from './cache-policy.js';

export const APP_CONFIG = 'LEADERBOARD:config';

/** Says in one line, at startup, which cache tiers this instance runs with. */
@Injectable()
export class CacheModeReporter implements OnModuleInit {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    const { level, message } = describeCacheMode(this.config);
    new Logger('Cache')[level](message);
  }
}
