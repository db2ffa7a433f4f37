import { timingSafeEqual } from 'node:crypto';
import type { InspectorModuleOptions, InspectorRequest } from '@tiercache/nestjs/inspector';
import type { AppConfig } from '../config.js';

/** The header the inspector's guard reads outside development (a proxy or the operator's browser adds it). */
export const INSPECTOR_TOKEN_HEADER = 'x-inspector-token';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compared in constant time: the token is all that stands between the network and "clear cache".
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The cache inspector at /_tiercache: open in development; elsewhere only when INSPECTOR_TOKEN is set,
 * and then only to requests that carry it. Without a token outside development it stays off.
 */
export function inspectorOptions(config: Pick<AppConfig, 'environment' | 'inspectorToken'>): InspectorModuleOptions & { reason: string } {
  const environment = config.environment;
  if (environment === 'development') {
    return { enabled: true, environment, reason: 'development: open to anyone who can reach the port' };
  }
  const token = config.inspectorToken;
  if (token === undefined) return { enabled: false, environment, reason: 'off: set INSPECTOR_TOKEN to mount it outside development' };
  return {
    enabled: true,
    environment,
    reason: `guarded by the ${INSPECTOR_TOKEN_HEADER} header`,
    guard: (request: InspectorRequest) => {
      const given = request.headers[INSPECTOR_TOKEN_HEADER];
      return typeof given === 'string' && sameToken(given, token) ? `token holder (${request.ip ?? 'unknown address'})` : false;
    },
  };
}
