import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config.js';
import { inspectorOptions } from '../inspector/inspector-policy.js';
import { describeCacheMode } from './cache-policy.js';

export const APP_CONFIG = 'LEADERBOARD:config';

/** Says at startup which cache tiers this instance runs with (and why the inspector is off, if it is). */
@Injectable()
export class CacheModeReporter implements OnModuleInit {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    const { level, message } = describeCacheMode(this.config);
    new Logger('Cache')[level](message);
    // When it is mounted the inspector says so itself; when it is not, this says why.
    const inspector = inspectorOptions(this.config);
    if (!inspector.enabled) new Logger('Inspector').log(`cache inspector ${inspector.reason}`);
  }
}
