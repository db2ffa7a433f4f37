import { Inject } from '@nestjs/common';
import { getWriteBehindToken } from './write-behind.constants.js';

/**
 * Injects a write-behind registered with `WriteBehindModule.register(Async)`.
 *
 * @example
 * constructor(@InjectWriteBehind('heartbeats') private readonly heartbeats: WriteBehind<Heartbeat>) {}
 */
export function InjectWriteBehind(name: string): ParameterDecorator & PropertyDecorator {
  return Inject(getWriteBehindToken(name));
}
