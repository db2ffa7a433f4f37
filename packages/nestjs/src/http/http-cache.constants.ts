export const HTTP_CACHE_METADATA = 'TIERCACHE:http-cache';
export const HTTP_CACHE_OFF_METADATA = 'TIERCACHE:http-cache-off';
export const HTTP_CACHE_OPTIONS = 'TIERCACHE:http-cache-options';

// Nest's own metadata keys (from @nestjs/common/constants), read to tell which routes can't be cached.
export const NEST_ROUTE_ARGS = '__routeArguments__';
export const NEST_RESPONSE_PASSTHROUGH = '__responsePassthrough__';
export const NEST_SSE = '__sse__';
export const NEST_RENDER = '__renderTemplate__';
export const NEST_REDIRECT = '__redirect__';
export const NEST_HTTP_CODE = '__httpCode__';
export const NEST_INTERCEPTORS = '__interceptors__';
export const NEST_METHOD = 'method';
/** RouteParamtypes.RESPONSE, the `@Res()` parameter. */
export const NEST_RESPONSE_PARAM = 1;
