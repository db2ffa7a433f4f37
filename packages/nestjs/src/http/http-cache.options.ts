import type { ExecutionContext } from '@nestjs/common';
import { type CacheKey } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/** A tag of a cached response: fixed, or computed from the request and the body the handler returned. */
export type HttpTagSpec = string | ((request: any, body: any) => string | readonly string[]);

/** What a route (or a controller, for all its routes) says about caching its responses. */
export interface HttpCacheRouteOptions {
  /** How long a response stays fresh, in ms (`max-age` of Cache-Control). Default: the module's `ttl`. */
  ttl?: number;
  /** How long past `ttl` a stale response may be served while one refresh runs (`stale-while-revalidate`). */
  grace?: number;
  /** Tags for `@CacheEvict({ tags })` and `invalidateTags`; several decorators accumulate. */
  tags?: readonly HttpTagSpec[];
  /** Extra key parts the response varies by (locale from a cookie, a feature flag…). */
  key?: (context: ExecutionContext) => CacheKey;
  /** Request headers the response varies by, e.g. `accept-language`; sent back in `Vary`. */
  vary?: readonly string[];
  /** Share one entry between requests with different credentials (authorization/cookie). Default false. */
  sharedAcrossUsers?: boolean;
  /** With tenancy: one entry for every tenant (the route serves no tenant data). Default false. */
  shared?: boolean;
  /** Force `private` (true) or `public` (false) in Cache-Control. Default: private when keyed by the user. */
  private?: boolean;
  /** A cache named in CacheModule's `caches`. Default: the module's `cache`, else the default cache. */
  cache?: string;
}

export interface HttpCacheModuleOptions {
  /** Default TTL of responses, in ms. Default 60 000. */
  ttl?: number;
  /** Default grace, in ms. Default 0. */
  grace?: number;
  /** The cache responses are stored in. Default: the default cache. */
  cache?: string;
  /** Name of the hit|miss|stale header, or false for none. Default `x-cache`, false when NODE_ENV is production. */
  cacheHeader?: string | false;
  /** Response headers stored with a cached body and replayed on hits (lowercase). */
  storeHeaders?: readonly string[];
  /** Register the interceptor for every route (APP_INTERCEPTOR). Default false. */
  global?: boolean;
}

export interface ResolvedHttpCacheOptions {
  readonly ttl: number;
  readonly grace: number;
  readonly cache: string | undefined;
  readonly cacheHeader: string | false;
  readonly storeHeaders: readonly string[];
  readonly global: boolean;
}

const DEFAULT_STORED_HEADERS = ['content-type', 'content-language', 'content-disposition', 'cache-control', 'expires', 'last-modified', 'link'];

function duration(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidOption(field, 'expected a duration in ms (>= 0)');
  return value;
}

/** The one place HTTP cache options get their defaults and are checked. */
export function resolveHttpCacheOptions(options: HttpCacheModuleOptions = {}): ResolvedHttpCacheOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('HttpCacheModule', 'expected an options object');
  const header = options.cacheHeader ?? (process.env.NODE_ENV === 'production' ? false : 'x-cache');
  if (header !== false && (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(header))) {
    throw invalidOption('cacheHeader', 'expected a header name or false');
  }
  if (options.storeHeaders !== undefined && !Array.isArray(options.storeHeaders)) throw invalidOption('storeHeaders', 'expected an array of header names');
  return {
    ttl: duration('ttl', options.ttl, 60_000),
    grace: duration('grace', options.grace, 0),
    cache: options.cache,
    cacheHeader: header === false ? false : header.toLowerCase(),
    storeHeaders: (options.storeHeaders ?? DEFAULT_STORED_HEADERS).map((name) => name.toLowerCase()),
    global: options.global === true,
  };
}

/** Checks a route's options when its decorator runs, so a mistake fails at import, naming the route. */
export function checkRouteOptions(where: string, options: HttpCacheRouteOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidOption(where, 'expected an options object');
  duration(`${where}.ttl`, options.ttl, 0);
  duration(`${where}.grace`, options.grace, 0);
  if (options.key !== undefined && typeof options.key !== 'function') throw invalidOption(`${where}.key`, 'expected a function of the ExecutionContext');
  if (options.vary !== undefined && (!Array.isArray(options.vary) || options.vary.some((name) => typeof name !== 'string' || name === ''))) {
    throw invalidOption(`${where}.vary`, 'expected an array of request header names');
  }
  for (const tag of options.tags ?? []) {
    if (typeof tag !== 'function' && (typeof tag !== 'string' || tag === '')) {
      throw invalidOption(`${where}.tags`, 'expected non-empty strings or functions of (request, body)');
    }
  }
}
