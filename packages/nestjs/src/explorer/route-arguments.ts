import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';

const UNKEYABLE: ReadonlyMap<number, string> = new Map([
  [RouteParamtypes.REQUEST, '@Req()'],
  [RouteParamtypes.RESPONSE, '@Res()'],
  [RouteParamtypes.NEXT, '@Next()'],
]);

/**
 * The route parameters of a controller handler that cannot be part of a cache key (the request, the
 * response, `next`), as `@Req() (argument 1)`. Nest records them on the class, keyed by method name,
 * as `"<paramtype>:<index>"`.
 */
export function unkeyableRouteArguments(type: object, methodName: string): string[] {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, type, methodName) as Record<string, { index: number }> | undefined;
  if (args === undefined) return [];
  const found: { index: number; label: string }[] = [];
  for (const [key, { index }] of Object.entries(args)) {
    const label = UNKEYABLE.get(Number(key.split(':')[0]));
    if (label !== undefined) found.push({ index, label });
  }
  return found.sort((a, b) => a.index - b.index).map(({ index, label }) => `${label} (argument ${index + 1})`);
}
