export { AbsentKeysModule } from './absent-keys.module.js';
export type { AbsentKeysModuleAsyncOptions, AbsentKeysModuleOptions } from './absent-keys.module.js';
export { AbsentKeyFilters } from './absent-keys.registry.js';
export { InjectAbsentKeyFilter } from './inject-absent-key-filter.decorator.js';
export { getAbsentKeyFilterToken } from './absent-keys.constants.js';
export { AbsentKeyFilter } from '@tiercache/core';
export type { AbsentKeyFilterStats, RebuildOptions, RebuildOutcome } from '@tiercache/core';
