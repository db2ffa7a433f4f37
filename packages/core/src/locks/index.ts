export { LockProvider, type LockHandle, type LockOptions } from './lock-provider.js';
export { InProcessLockProvider } from './in-process-lock-provider.js';
export { RedisLockProvider, type RedisLockProviderOptions } from './redis-lock-provider.js';
