import { createHash } from 'node:crypto';
import type { KeyPart } from '@tiercache/core';

/** Headers that identify a user: their values are hashed, so no credential ever lands in a key. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface RequestShape {
  readonly method: string;
  /** The route's path template (`/agents/:id`), or another stable name of the route. */
  readonly route: string;
  readonly url: string;
  readonly params: Record<string, unknown> | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface KeyedRequest {
  readonly parts: KeyPart[];
  /** The key depends on who asks: the response must be `private` for shared caches. */
  readonly perUser: boolean;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 27);
}

function header(headers: RequestShape['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The query string in a canonical order: parameters sorted by name, the order of repeated ones
 * kept (`?b=2&a=1` and `?a=1&b=2` meet; `?a=1&a=2` and `?a=2&a=1` don't, handlers may read them in order).
 */
export function normalisedQuery(url: string): [string, string][] {
  const start = url.indexOf('?');
  if (start < 0) return [];
  const hash = url.indexOf('#', start);
  const entries = [...new URLSearchParams(url.slice(start + 1, hash < 0 ? undefined : hash))];
  return entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * The parts of a response's key: method (HEAD shares GET's entry, it is the same response without
 * a body), route template, params, normalised query, the declared `vary` headers and, unless the
 * route shares entries across users, a digest of the credentials.
 */
export function requestKey(request: RequestShape, vary: readonly string[], sharedAcrossUsers: boolean): KeyedRequest {
  const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase();
  const names = [...new Set(vary.map((name) => name.toLowerCase()))].sort();
  let perUser = names.some((name) => CREDENTIAL_HEADERS.has(name));
  const varied = names.map((name) => {
    const value = header(request.headers, name);
    return [name, value === undefined ? null : CREDENTIAL_HEADERS.has(name) ? digest(value) : value];
  });
  const parts: KeyPart[] = ['http', method, request.route, request.params ?? {}, normalisedQuery(request.url), varied];
  if (!sharedAcrossUsers) {
    const credentials = [...CREDENTIAL_HEADERS].map((name) => header(request.headers, name) ?? '');
    if (credentials.some((value) => value !== '')) {
      perUser = true;
      parts.push(['user', digest(credentials.join('\n'))]);
    }
  }
  return { parts, perUser };
}
