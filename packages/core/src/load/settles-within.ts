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
export async function boundedBy<T>(value: T | Promise<T>, ms: number, expired: () => Error): Promise<T> {
  if (ms <= 0) return value;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
    // A loader that never settles must not keep the process alive, and neither may its bound.
    timer.unref();
  });
  try {
    return await Promise.race([value, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
