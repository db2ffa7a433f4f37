export { WarmersModule } from './warmers.module.js';
export type { WarmersModuleOptions } from './warmers.options.js';
export { CacheWarmer } from './cache-warmer.decorator.js';
export type { CacheWarmerOptions, WarmerMethod } from './cache-warmer.decorator.js';
export type { WarmerContext, WarmerEvent } from './warmer-context.js';
export { WarmerRegistry } from './warmer-registry.js';
export type { WarmerEventMap } from './warmer-events.js';
export type { WarmerRunResult, WarmerSkipReason, WarmerStatus, WarmerTrigger } from './warmer-status.js';
