export { AbsentKeyFilterHealthIndicator } from './absent-key-filter-health.indicator.js';
export type { AbsentKeyFilterHealthOptions } from './absent-key-filter-health.indicator.js';
