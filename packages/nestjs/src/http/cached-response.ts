import { digest } from './request-key.js';

/** What is stored for one response. */
export interface CachedResponse {
  readonly status: number;
  /** The stored response headers the handler set (lowercase names). */
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** Strong validator: a digest of the body as it is sent. */
  readonly etag: string;
  readonly storedAt: number;
}

/** A body the interceptor can store and send again identically: JSON values and strings. */
export function isStorableBody(body: unknown): boolean {
  if (body === null || body === undefined) return true;
  switch (typeof body) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  // Streams, buffers, files and web responses are sent as they are read: nothing to replay.
  const candidate = body as Record<string | symbol, unknown>;
  if (Buffer.isBuffer(body) || ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return false;
  if (typeof candidate.pipe === 'function' || typeof candidate.getStream === 'function' || typeof candidate.getReader === 'function') return false;
  if (typeof Response !== 'undefined' && body instanceof Response) return false;
  return typeof candidate[Symbol.asyncIterator] !== 'function';
}

/**
 * The body as the adapters serialise it (JSON for objects), so that what is stored, what its ETag
 * hashes and what a hit sends are the same bytes as the first response (toJSON, Dates…).
 */
export function toCachedResponse(body: unknown, status: number, headers: Record<string, string>, now: number): CachedResponse {
  const plain = body !== null && typeof body === 'object' ? (JSON.parse(JSON.stringify(body)) as unknown) : body;
  const text = typeof plain === 'string' ? plain : (JSON.stringify(plain) ?? '');
  return { status, headers, body: plain, etag: `"${digest(text)}"`, storedAt: now };
}

/** `If-None-Match` against a strong ETag, by the weak comparison RFC 9110 prescribes for it. */
export function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  return list.includes('*') || list.includes(etag);
}

export function cacheControl(options: { perUser: boolean; ttl: number; grace: number; ageMs: number }): string {
  const maxAge = Math.max(0, Math.floor((options.ttl - options.ageMs) / 1000));
  const directives = [options.perUser ? 'private' : 'public', `max-age=${maxAge}`];
  if (options.grace > 0) directives.push(`stale-while-revalidate=${Math.floor(options.grace / 1000)}`);
  return directives.join(', ');
}
