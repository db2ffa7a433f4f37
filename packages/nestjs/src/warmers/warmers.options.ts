import type { LockProvider } from '@tiercache/core';

export interface WarmersModuleOptions {
  /**
   * `'await'`: warmers with `runOnStartup` finish before `app.init()` / `app.listen()` resolve, so the
   * instance is not ready with a cold cache. `'background'` (default): they run while the app starts.
   */
  startup?: 'await' | 'background';
  /**
   * The lock of exclusive warmers. Default: CacheModule's `LockProvider` (its `locks` option, or Redis
   * locks on the default cache's connection, keys `<namespace>:lock:{warmer:<name>}`).
   */
  lockProvider?: LockProvider;
  /** Lease of a warmer's lock, renewed every third of it while the run lasts. Default 30 000. */
  lockTtlMs?: number;
}
