import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { type KeyPart } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { firstValueFrom, from, type Observable } from 'rxjs';
import { CacheRegistry } from '../cache-registry.js';
import { TenantContext } from '../tenancy/tenant-context.js';
import { tenantsOf } from '../tenancy/tenant-caches.js';
import { cacheControl, isStorableBody, matchesIfNoneMatch, toCachedResponse, type CachedResponse } from './cached-response.js';
import { HTTP_CACHE_METADATA, HTTP_CACHE_OFF_METADATA, HTTP_CACHE_OPTIONS, NEST_HTTP_CODE } from './http-cache.constants.js';
import { resolveHttpCacheOptions, type HttpCacheRouteOptions, type ResolvedHttpCacheOptions } from './http-cache.options.js';
import { requestKey } from './request-key.js';
import { uncacheableReason } from './route-inspection.js';

interface Route {
  readonly off: boolean;
  readonly uncacheable: string | undefined;
  readonly options: HttpCacheRouteOptions;
  readonly name: string;
  readonly status: number;
}

/** Returned by a load whose body can't be stored: every caller of that flight runs the handler itself. */
const NOT_STORED = { notStored: true } as const;

type Request = { method?: string; url?: string; params?: Record<string, unknown>; headers: Record<string, string | string[] | undefined>; route?: { path?: string }; routeOptions?: { url?: string } };

/**
 * Caches GET and HEAD responses (status, stored headers, body) through a Tiercache cache: one
 * handler run per key across the fleet, grace and fail-safe come from `getOrSet`. Adds a strong
 * ETag (304 on If-None-Match), Cache-Control unless the handler set its own, and the x-cache header.
 * Every request it sees (cached or not) runs with the request in TenantContext, for tenancy.
 *
 * @example
 * app.useGlobalInterceptors(app.get(HttpCacheInterceptor)) // or @UseInterceptors(HttpCacheInterceptor)
 */
@Injectable()
export class HttpCacheInterceptor implements NestInterceptor {
  readonly #logger = new Logger('Tiercache:http');
  readonly #routes = new WeakMap<Function, Route>();
  readonly #warned = new Set<string>();
  readonly #options: ResolvedHttpCacheOptions;
  #registry: CacheRegistry | undefined;

  constructor(
    // The registry is looked up, not injected, so CacheModule need not be global, nor imported by
    // each module whose controllers use the interceptor.
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
    private readonly reflector: Reflector,
    @Optional() @Inject(HTTP_CACHE_OPTIONS) options?: ResolvedHttpCacheOptions,
  ) {
    this.#options = options ?? resolveHttpCacheOptions();
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const route = this.#route(context);
    // The handler runs when next.handle() is called (Nest binds its async scope then), so calling
    // it inside these scopes is what puts the request and the shared flag in its context.
    const scoped = <T>(fn: () => T): T =>
      TenantContext.withRequest(request, () => (route.options.shared ? TenantContext.shared(fn) : fn()));
    const method = String(this.adapterHost.httpAdapter.getRequestMethod(request)).toUpperCase();
    if (route.off || (method !== 'GET' && method !== 'HEAD')) return scoped(() => next.handle());
    if (route.uncacheable !== undefined) {
      this.#warnOnce(route.name, `${route.name} is never cached: ${route.uncacheable}.`);
      return scoped(() => next.handle());
    }
    return from(scoped(() => this.#serve(context, next, request, route, method)));
  }

  async #serve(context: ExecutionContext, next: CallHandler, request: Request, route: Route, method: string): Promise<unknown> {
    const adapter = this.adapterHost.httpAdapter;
    const response = context.switchToHttp().getResponse<unknown>();
    const options = route.options;
    const ttl = options.ttl ?? this.#options.ttl;
    const grace = options.grace ?? this.#options.grace;
    const keyed = requestKey(
      {
        method,
        route: `${route.name} ${request.route?.path ?? request.routeOptions?.url ?? ''}`,
        url: String(adapter.getRequestUrl(request) ?? ''),
        params: request.params,
        headers: request.headers,
      },
      options.vary ?? [],
      options.sharedAcrossUsers === true,
    );
    const parts: KeyPart[] = options.key === undefined ? keyed.parts : [...keyed.parts, options.key(context) as KeyPart];
    const cache = this.#caches().get(options.cache ?? this.#options.cache);
    let loaded = false;
    let passthrough: unknown;
    const found = await cache.getOrSet<CachedResponse | typeof NOT_STORED>(
      parts,
      async (load) => {
        loaded = true;
        const body = await firstValueFrom(next.handle(), { defaultValue: undefined });
        // A status set through @Res({ passthrough: true }) is on the response already; Nest applies
        // the route's own (@HttpCode) when it replies, after this.
        const status = (response as { statusCode?: number }).statusCode;
        const success = (code: number) => code >= 200 && code < 300;
        // A response that sets a cookie is someone's (a session, a consent): never replayed to others.
        const setsCookie = adapter.getHeader(response, 'set-cookie') !== undefined;
        if (!isStorableBody(body) || setsCookie || !success(route.status) || (status !== undefined && !success(status))) {
          if (!isStorableBody(body)) {
            this.#warnOnce(route.name, `${route.name} returned a body that can't be stored (a stream, file or buffer): it is never cached.`);
          }
          load.setOptions({ ttl: 0, negativeTtl: 0 });
          passthrough = body;
          return NOT_STORED;
        }
        const stored = toCachedResponse(body, route.status, this.#handlerHeaders(response), Date.now());
        const tags = (options.tags ?? []).flatMap((tag) => (typeof tag === 'string' ? [tag] : tag(request, stored.body)));
        if (tags.length > 0) load.setOptions({ tags });
        return stored;
      },
      { ttl, grace, label: `HTTP ${route.name}` },
    );
    if ('notStored' in found) return loaded ? passthrough : firstValueFrom(next.handle(), { defaultValue: undefined });
    // A tenant's response must not be served to another tenant by a shared cache downstream (a CDN,
    // a proxy): private, and varying by the tenant header when the tenant comes from one.
    const tenancy = options.shared === true ? undefined : tenantsOf(cache)?.tenancy;
    const age = Date.now() - found.storedAt;
    // Older than the TTL means the engine served it past expiry (grace, or fail-safe after this
    // request's own load failed), whoever loaded.
    const state = age > ttl ? 'stale' : loaded ? 'miss' : 'hit';
    for (const [name, value] of Object.entries(found.headers)) adapter.setHeader(response, name, value);
    adapter.setHeader(response, 'etag', found.etag);
    if (found.headers['cache-control'] === undefined) {
      const perUser = options.private ?? (keyed.perUser || tenancy !== undefined);
      adapter.setHeader(response, 'cache-control', cacheControl({ perUser, ttl, grace, ageMs: state === 'stale' ? ttl : age }));
    }
    const vary = [
      ...(options.vary ?? []),
      ...(keyed.perUser && options.sharedAcrossUsers !== true ? ['authorization', 'cookie'] : []),
      ...(tenancy?.resolve.header === undefined ? [] : [tenancy.resolve.header]),
    ];
    if (vary.length > 0) adapter.setHeader(response, 'vary', [...new Set(vary.map((name) => name.toLowerCase()))].join(', '));
    if (this.#options.cacheHeader !== false) adapter.setHeader(response, this.#options.cacheHeader, state);
    // An empty web Response is how an interceptor answers on its own: Nest sends its status, keeps
    // the headers set above, and drops whatever the handler produced.
    if (matchesIfNoneMatch(request.headers['if-none-match'], found.etag)) return new Response(null, { status: 304 });
    return found.body;
  }

  #caches(): CacheRegistry {
    this.#registry ??= this.moduleRef.get(CacheRegistry, { strict: false }) ?? undefined;
    if (this.#registry === undefined) throw invalidOption('HttpCacheInterceptor', 'no CacheModule in this application: import CacheModule.forRoot() in the root module');
    return this.#registry;
  }

  /** The stored headers the handler (or @Header) set on the response. */
  #handlerHeaders(response: unknown): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of this.#options.storeHeaders) {
      const value = this.adapterHost.httpAdapter.getHeader(response, name) as string | string[] | number | undefined;
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return headers;
  }

  #route(context: ExecutionContext): Route {
    const handler = context.getHandler();
    let route = this.#routes.get(handler);
    if (route === undefined) {
      const controller = context.getClass();
      const targets = [handler, controller];
      const own = (this.reflector.get<HttpCacheRouteOptions>(HTTP_CACHE_METADATA, handler) ?? {}) as HttpCacheRouteOptions;
      const shared = (this.reflector.get<HttpCacheRouteOptions>(HTTP_CACHE_METADATA, controller) ?? {}) as HttpCacheRouteOptions;
      route = {
        off: this.reflector.getAllAndOverride<boolean>(HTTP_CACHE_OFF_METADATA, targets) === true,
        uncacheable: uncacheableReason(controller, handler),
        options: { ...shared, ...own, tags: [...(shared.tags ?? []), ...(own.tags ?? [])], vary: [...(shared.vary ?? []), ...(own.vary ?? [])] },
        name: `${controller.name}.${handler.name}`,
        status: (Reflect.getMetadata(NEST_HTTP_CODE, handler) as number | undefined) ?? 200,
      };
      this.#routes.set(handler, route);
    }
    return route;
  }

  #warnOnce(name: string, message: string): void {
    if (this.#warned.has(name)) return;
    this.#warned.add(name);
    this.#logger.warn(message);
  }
}
