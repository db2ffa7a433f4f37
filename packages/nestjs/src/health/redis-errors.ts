/**
 * ioredis reports a closed connection in its own terms ("Stream isn't writeable and enableOfflineQueue
 * options is false", "Connection is closed."). A health report is read by whoever is on call: say what
 * it means for the cache instead, and keep the original only when it is already plain.
 */
const TRANSLATIONS: readonly [RegExp, string][] = [
  [/enableOfflineQueue|Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|max retries per request/i, 'Redis is unreachable (no open connection)'],
  [/ENOTFOUND|EAI_AGAIN/i, 'the Redis host name does not resolve'],
  [/NOAUTH|WRONGPASS|invalid password|invalid username-password/i, 'Redis refused the credentials in l2.redis'],
  [/LOADING/i, 'Redis is still loading its dataset'],
  [/^Command timed out$|did not answer within/i, 'Redis did not answer within the command timeout'],
  [/READONLY/i, 'the Redis node is a read-only replica'],
];

export function describeRedisError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, meaning] of TRANSLATIONS) if (pattern.test(message)) return meaning;
  return message;
}
