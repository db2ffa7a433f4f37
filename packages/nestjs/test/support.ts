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
