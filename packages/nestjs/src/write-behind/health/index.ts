export { WriteBehindHealthIndicator } from './write-behind-health.indicator.js';
export type { WriteBehindHealthOptions } from './write-behind-health.indicator.js';
