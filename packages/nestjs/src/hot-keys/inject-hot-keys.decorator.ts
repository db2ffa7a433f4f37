import { Inject } from '@nestjs/common';
import { getHotKeysToken } from './hot-keys.constants.js';

/**
 * Injects the `HotKeys` of a cache registered with `HotKeysModule.register(Async)`.
 *
 * @example
 * constructor(@InjectHotKeys() private readonly hot: HotKeys) {}
 */
export function InjectHotKeys(cache?: string): ParameterDecorator & PropertyDecorator {
  return Inject(getHotKeysToken(cache));
}
