export { AbsentKeyFilter } from './absent-key-filter.js';
export type { AbsentKeyFilterOptions, AbsentKeyFilterStats, RebuildOptions, RebuildOutcome } from './absent-key-filter.js';
