import { ForbiddenException, Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ErrorCode } from '@tiercache/core';
import { INSPECTOR_ACTOR, INSPECTOR_OPTIONS } from './inspector.constants.js';
import type { InspectorRequest, ResolvedInspectorOptions } from './inspector.options.js';

/** Stable code of the 403 a refused request gets. */
export const INSPECTOR_FORBIDDEN = 'E_INSPECTOR_FORBIDDEN';

type ActorRequest = InspectorRequest & { [INSPECTOR_ACTOR]?: string };

/** Who made a request that passed the guard: what the action log names. */
export function actorOf(request: unknown): string {
  return (request as ActorRequest)[INSPECTOR_ACTOR] ?? 'unknown';
}

/**
 * Runs the user's guard on every inspector route, the page, its assets and its stream included, and
 * keeps its answer on the request for the action log. Without a guard it lets requests through only
 * in development; startup already refused otherwise, and this is the second lock on the same door.
 */
@Injectable()
export class InspectorAccessGuard implements CanActivate {
  readonly #logger = new Logger('Tiercache:inspector');

  constructor(@Inject(INSPECTOR_OPTIONS) private readonly options: ResolvedInspectorOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ActorRequest>();
    const { guard, development } = this.options;
    if (guard === undefined) {
      if (!development) throw this.#refuse(ErrorCode.Unguarded, 'The inspector has no guard and this is not development.');
      request[INSPECTOR_ACTOR] = `anonymous (development, ${request.ip ?? 'unknown address'})`;
      return true;
    }
    let who: string | false | undefined;
    try {
      who = await guard(request);
    } catch (error) {
      this.#logger.warn(`The inspector's guard threw, so the request was refused: ${error instanceof Error ? error.message : String(error)}`);
      who = false;
    }
    if (typeof who !== 'string' || who === '') throw this.#refuse(INSPECTOR_FORBIDDEN, 'The inspector guard refused this request.');
    request[INSPECTOR_ACTOR] = who;
    return true;
  }

  #refuse(code: string, message: string): ForbiddenException {
    return new ForbiddenException({ statusCode: 403, code, message });
  }
}
