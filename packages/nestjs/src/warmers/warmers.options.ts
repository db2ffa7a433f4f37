import type { LockProvider, RedisConnection } from '@tiercache/core';

export interface WarmersModuleOptions {
  /**
   * `'await'`: warmers with `runOnStartup` finish before `app.init()` / `app.listen()` resolve, so the
   * instance is not ready with a cold cache. `'background'` (default): they run while the app starts.
   */
  startup?: 'await' | 'background';
  /**
   * The lock of exclusive warmers. Default: a `LockProvider` provider visible to this module (bind one
   * with `{ provide: LockProvider, useClass }` in a global module), else a `RedisLockProvider` on `redis`.
   */
  lockProvider?: LockProvider;
  /**
   * Redis for the default lock provider: a client (left open) or a URL / ioredis options (connection
   * closed on shutdown). Default: the default cache's L2 connection.
   */
  redis?: RedisConnection;
  /** Lease of a warmer's lock, renewed every third of it while the run lasts. Default 30 000. */
  lockTtlMs?: number;
}
