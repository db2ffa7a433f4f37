/** Kept free of optional imports: the health indicator reads warmer status through this token alone. */
export const CACHE_WARMER_METADATA = 'TIERCACHE:cache-warmer';
export const WARMERS_OPTIONS = 'TIERCACHE:warmers-options';
/** Token under which `WarmerRegistry` is also provided, as a `WarmerStatusSource`. */
export const WARMER_STATUS_SOURCE = 'TIERCACHE:warmer-status';
