export { registerWriteBehindMetrics } from './write-behind-metrics.js';
