import { SetMetadata } from '@nestjs/common';
import type { CacheKey } from '@tiercache/core';
import type { ExecutionContext } from '@nestjs/common';
import { HTTP_CACHE_METADATA, HTTP_CACHE_OFF_METADATA } from './http-cache.constants.js';
import { checkRouteOptions, type HttpCacheRouteOptions, type HttpTagSpec } from './http-cache.options.js';

/** Stacked decorators merge: lists (tags, vary) accumulate, the other fields of the upper one win. */
function merge(into: HttpCacheRouteOptions, from: HttpCacheRouteOptions): HttpCacheRouteOptions {
  return {
    ...from,
    ...into,
    tags: [...(from.tags ?? []), ...(into.tags ?? [])],
    vary: [...(from.vary ?? []), ...(into.vary ?? [])],
  };
}

/**
 * Caching options of a route, or of every route of a controller (a route's own options win).
 * The route is cached by `HttpCacheInterceptor`, installed globally or with `@UseInterceptors`.
 *
 * @example
 * @Get(':id')
 * @HttpCache({ ttl: 30_000, grace: 60_000, tags: [(req) => `agent:${req.params.id}`], vary: ['accept-language'] })
 * find(@Param('id') id: string) { ... }
 */
export function HttpCache(options: HttpCacheRouteOptions = {}): ClassDecorator & MethodDecorator {
  checkRouteOptions('@HttpCache', options);
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value ?? target) as object;
    const previous = (Reflect.getOwnMetadata(HTTP_CACHE_METADATA, where) as HttpCacheRouteOptions | undefined) ?? {};
    Reflect.defineMetadata(HTTP_CACHE_METADATA, merge(options, previous), where);
  };
}

/** Freshness of the route's responses, in ms. */
export const HttpCacheTtl = (ttl: number, grace?: number) => HttpCache(grace === undefined ? { ttl } : { ttl, grace });
/** Tags of the route's responses: strings, or functions of the request and the body. */
export const HttpCacheTags = (...tags: HttpTagSpec[]) => HttpCache({ tags });
/** Extra key parts computed from the ExecutionContext. */
export const HttpCacheKey = (key: (context: ExecutionContext) => CacheKey) => HttpCache({ key });
/** Request headers the route's responses vary by. */
export const HttpCacheVary = (...headers: string[]) => HttpCache({ vary: headers });

/** Opts a route (or a controller) out of `HttpCacheInterceptor`, e.g. under a global interceptor. */
export const NoHttpCache = () => SetMetadata(HTTP_CACHE_OFF_METADATA, true);
