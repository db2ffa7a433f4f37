import { Inject } from '@nestjs/common';
import { getAbsentKeyFilterToken } from './absent-keys.constants.js';

/**
 * Injects an absent-key filter registered with `AbsentKeysModule.register(Async)`.
 *
 * @example
 * constructor(@InjectAbsentKeyFilter('agents') private readonly agentIds: AbsentKeyFilter) {}
 */
export function InjectAbsentKeyFilter(name: string): ParameterDecorator & PropertyDecorator {
  return Inject(getAbsentKeyFilterToken(name));
}
