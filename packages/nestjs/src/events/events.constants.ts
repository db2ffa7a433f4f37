export const CACHE_EVENTS_OPTIONS = 'TIERCACHE:events-options';
