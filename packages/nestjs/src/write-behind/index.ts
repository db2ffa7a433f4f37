export { WriteBehindModule } from './write-behind.module.js';
export type { WriteBehindModuleAsyncOptions, WriteBehindModuleOptions } from './write-behind.module.js';
export { WriteBehindRegistry } from './write-behind.registry.js';
export { InjectWriteBehind } from './inject-write-behind.decorator.js';
export { getWriteBehindToken } from './write-behind.constants.js';
export { WriteBehind } from '@tiercache/core';
export type { BackpressureMode, BatchWriter, DeadLetter, WriteBehindStats, WriteItem, WriteReceipt } from '@tiercache/core';
