export { HotKeysModule } from './hot-keys.module.js';
export type { HotKeysModuleAsyncOptions, HotKeysModuleOptions } from './hot-keys.module.js';
export { HotKeysRegistry } from './hot-keys.registry.js';
export { InjectHotKeys } from './inject-hot-keys.decorator.js';
export { getHotKeysToken } from './hot-keys.constants.js';
export { HotKeys } from '@tiercache/core';
export type { HotKeysStats, WarmResult } from '@tiercache/core';
