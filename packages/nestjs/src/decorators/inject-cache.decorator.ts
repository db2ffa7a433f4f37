import { Inject } from '@nestjs/common';
import { DEFAULT_CACHE, getCacheToken } from '../cache.constants.js';

/**
 * Injects a cache named in `CacheModule` options. The default cache needs no decorator: inject
 * `TieredCache`.
 *
 * @example
 * constructor(@InjectCache('reports') private readonly reports: TieredCache) {}
 */
export function InjectCache(name: string = DEFAULT_CACHE): ParameterDecorator & PropertyDecorator {
  return Inject(getCacheToken(name));
}
