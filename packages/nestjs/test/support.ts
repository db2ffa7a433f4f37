export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest.config.ts (its global setup starts Redis).');
  return url;
}

let counter = 0;
export function uniqueNamespace(label: string): string {
  return `n-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** Polls `condition` until it holds, failing after `timeoutMs`: for effects that happen in the background. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
