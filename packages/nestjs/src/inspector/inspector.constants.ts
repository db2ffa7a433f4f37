export const INSPECTOR_OPTIONS = 'TIERCACHE:inspector-options';
/** Where the guard leaves who the caller is, on the request, for the action log. */
export const INSPECTOR_ACTOR = Symbol('TIERCACHE:inspector-actor');
