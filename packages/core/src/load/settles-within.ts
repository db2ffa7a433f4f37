/** Resolves whether `promise` settles (either way) within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** `value`, or a rejection with `expired()` (which may act on it) if it has not settled within `ms`; 0 = no bound. */
export function boundedBy<T>(value: T | Promise<T>, ms: number, expired: () => Error): Promise<T> {
  if (ms <= 0) return Promise.resolve(value);
  // Not async, and no race: a loaded value reaches its callers in as few steps as it can.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(expired()), ms);
    // A loader that never settles must not keep the process alive, and neither may its bound.
    timer.unref();
    Promise.resolve(value).then(
      (settled) => (clearTimeout(timer), resolve(settled)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
