import { Inject, Injectable, Logger, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { invalidOption } from '../errors.js';
import { CacheRegistry } from '../cache-registry.js';
import { HTTP_CACHE_METADATA, HTTP_CACHE_OFF_METADATA, HTTP_CACHE_OPTIONS, NEST_INTERCEPTORS, NEST_METHOD } from './http-cache.constants.js';
import { HttpCacheInterceptor } from './http-cache.interceptor.js';
import type { HttpCacheRouteOptions, ResolvedHttpCacheOptions } from './http-cache.options.js';
import { uncacheableReason } from './route-inspection.js';

/**
 * Warns at startup about GET routes the interceptor covers but can never cache (streams, `@Res()`
 * without passthrough…), so nobody discovers it from a dashboard. They still work, uncached. Fails
 * startup for a route naming a cache CacheModule does not define, rather than the first request.
 */
@Injectable()
export class HttpCacheExplorer implements OnApplicationBootstrap {
  readonly #logger = new Logger('Tiercache:http');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    @Inject(HTTP_CACHE_OPTIONS) private readonly options: ResolvedHttpCacheOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.checkCacheNames();
    for (const line of this.uncacheableRoutes()) this.#logger.warn(line);
  }

  checkCacheNames(): void {
    // Looked up, not injected: CacheModule need not be global for HttpCacheModule to start.
    const registry = this.moduleRef.get(CacheRegistry, { strict: false }) as CacheRegistry | undefined;
    if (registry === undefined) throw invalidOption('HttpCacheModule', 'no CacheModule in this application: import CacheModule.forRoot() in the root module');
    const check = (where: string, name: string | undefined) => {
      if (name !== undefined && !registry.has(name)) {
        throw invalidOption(`${where}.cache`, `the cache "${name}" is not defined in CacheModule (defined: ${registry.names().join(', ')})`);
      }
    };
    check('HttpCacheModule', this.options.cache);
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      const targets = [{ where: `@HttpCache on ${metatype.name}`, target: metatype as object }];
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        if (typeof prototype[name] === 'function') targets.push({ where: `@HttpCache on ${metatype.name}.${name}`, target: prototype[name] as object });
      }
      for (const { where, target } of targets) {
        check(where, (Reflect.getMetadata(HTTP_CACHE_METADATA, target) as HttpCacheRouteOptions | undefined)?.cache);
      }
    }
  }

  uncacheableRoutes(): string[] {
    const lines: string[] = [];
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || !this.#covers(metatype, handler)) continue;
        const reason = uncacheableReason(metatype, handler);
        if (reason !== undefined) {
          lines.push(`${metatype.name}.${name} is never cached by HttpCacheInterceptor: ${reason}. Mark it @NoHttpCache() to say so.`);
        }
      }
    }
    return lines;
  }

  #covers(controller: Function, handler: Function): boolean {
    const method = Reflect.getMetadata(NEST_METHOD, handler) as RequestMethod | undefined;
    if (method !== RequestMethod.GET && method !== RequestMethod.HEAD) return false;
    if (Reflect.getMetadata(HTTP_CACHE_OFF_METADATA, handler) === true || Reflect.getMetadata(HTTP_CACHE_OFF_METADATA, controller) === true) return false;
    if (this.options.global) return true;
    const marked = [handler, controller].some((target) => Reflect.getMetadata(HTTP_CACHE_METADATA, target) !== undefined);
    const intercepted = [handler, controller].some((target) =>
      ((Reflect.getMetadata(NEST_INTERCEPTORS, target) as unknown[] | undefined) ?? []).includes(HttpCacheInterceptor),
    );
    return marked || intercepted;
  }
}
