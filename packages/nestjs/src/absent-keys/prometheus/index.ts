export { registerAbsentKeyMetrics } from './absent-key-metrics.js';
