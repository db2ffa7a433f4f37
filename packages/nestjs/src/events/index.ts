export { CacheEventsModule } from './cache-events.module.js';
export { EventInvalidations } from './event-invalidations.js';
export type {
  CacheEventsModuleOptions,
  EventInvalidationEventMap,
  EventInvalidationRule,
  EventInvalidationStats,
} from './cache-events.options.js';
export type { EventInvalidator, InvalidateOn, InvalidationTargets } from '../decorators/invalidate-on.js';
