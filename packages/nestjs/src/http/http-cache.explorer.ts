import { Inject, Injectable, Logger, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { HTTP_CACHE_METADATA, HTTP_CACHE_OFF_METADATA, HTTP_CACHE_OPTIONS, NEST_INTERCEPTORS, NEST_METHOD } from './http-cache.constants.js';
import { HttpCacheInterceptor } from './http-cache.interceptor.js';
import type { ResolvedHttpCacheOptions } from './http-cache.options.js';
import { uncacheableReason } from './route-inspection.js';

/**
 * Warns at startup about GET routes the interceptor covers but can never cache (streams, `@Res()`
 * without passthrough…), so nobody discovers it from a dashboard. They still work, uncached.
 */
@Injectable()
export class HttpCacheExplorer implements OnApplicationBootstrap {
  readonly #logger = new Logger('Tiercache:http');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(HTTP_CACHE_OPTIONS) private readonly options: ResolvedHttpCacheOptions,
  ) {}

  onApplicationBootstrap(): void {
    for (const line of this.uncacheableRoutes()) this.#logger.warn(line);
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
