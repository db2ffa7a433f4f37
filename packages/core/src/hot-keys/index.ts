export { HOT_KEYS_LABEL, HotKeys } from './hot-keys.js';
export type { HotKeysOptions, HotKeysStats, WarmOptions, WarmResult } from './hot-keys.js';
