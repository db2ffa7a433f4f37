export { HttpCacheInterceptor } from './http-cache.interceptor.js';
export { HttpCacheModule } from './http-cache.module.js';
export { HttpCache, HttpCacheKey, HttpCacheTags, HttpCacheTtl, HttpCacheVary, NoHttpCache } from './http-cache.decorators.js';
export type { HttpCacheModuleOptions, HttpCacheRouteOptions, HttpTagSpec } from './http-cache.options.js';
export type { CachedResponse } from './cached-response.js';
