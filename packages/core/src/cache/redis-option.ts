import { invalidOption } from '../errors.js';
import { isRedisClient } from '../tiers/redis-connection.js';
import { isObject } from './option-checks.js';

const ACCEPTED =
  'expected a redis:// or rediss:// URL (redis://[user:password@]host:6379[/db]), a Unix socket path, ' +
  'an ioredis client, ioredis options, or { cluster: nodes }';

/**
 * `l2.redis` is a client, options or a URL. ioredis answers a malformed URL with a bare "Invalid URL"
 * from deep inside its constructor, so the string form is checked here, naming the option; the value
 * is not echoed, as a URL may carry a password. A client must be of Tiercache's own ioredis.
 */
export function checkRedisConnection(field: string, value: unknown): void {
  if (value === undefined || value === null || (typeof value !== 'string' && !isObject(value))) {
    throw invalidOption(field, ACCEPTED);
  }
  // Another ioredis copy's client is not one of ours, and read as options it would connect elsewhere.
  if (isObject(value) && typeof (value as { sendCommand?: unknown }).sendCommand === 'function' && !isRedisClient(value)) {
    throw invalidOption(
      field,
      'this ioredis client was made by another copy of ioredis than the one Tiercache uses (see `npm ls ioredis`); ' +
        'install one version, or pass a URL or ioredis options',
    );
  }
  if (typeof value !== 'string') return;
  if (value.startsWith('/')) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption(field, `the string is not a URL; ${ACCEPTED}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw invalidOption(field, `the URL's scheme is "${url.protocol}"; ${ACCEPTED}`);
  }
  if (url.hostname === '') throw invalidOption(field, `the URL has no host; ${ACCEPTED}`);
}
