export const CACHE_METRICS_OPTIONS = 'TIERCACHE:metrics-options';
