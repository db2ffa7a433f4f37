export { CacheHealthIndicator } from './cache-health.indicator.js';
export { CacheHealthModule } from './cache-health.module.js';
export type { CacheHealthCheckOptions } from './cache-health.options.js';
