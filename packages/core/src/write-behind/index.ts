export { WriteBehind } from './write-behind.js';
export type { WriteReceipt } from './write-behind.js';
export type { BackpressureMode, BatchWriter, DeadLetter, WriteBehindOptions, WriteItem } from './options.js';
export type { WriteBehindSample, WriteBehindStats } from './stats.js';
