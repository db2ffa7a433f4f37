import { Redis } from 'ioredis';

/** The run's shared redis-server, started by the Jest global setup. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest.config.ts (its global setup starts Redis).');
  return url;
}

/** A plain client for arranging and inspecting Redis state in tests. */
export function adminClient(url = redisUrl()): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

let counter = 0;
/** A namespace no other test (or test file, in another worker) uses. */
export function uniqueNamespace(label: string): string {
  return `t-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export const silentLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Collects what a cache logs, for asserting that state changes are logged once. */
export function recordingLogger(): { lines: string[]; log(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(`log ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** Polls `condition` (at most `timeoutMs`) for effects that happen in the background. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves after `cache` has applied `count` more invalidations from other instances. */
export function remoteApplied(cache: { events: { on(e: 'remote', l: () => void): unknown; off(e: 'remote', l: () => void): unknown } }, count = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      if (++seen < count) return;
      cache.events.off('remote', listener);
      resolve();
    };
    cache.events.on('remote', listener);
  });
}
