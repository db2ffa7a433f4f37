/**
 * A release that carries the stored value: `<length>:<resource><length>:<holder's token><value>`.
 * The token says which holder stored it: pub/sub spans every database of a server, and only a
 * waiter that saw this very holder in its own database takes the value.
 */
export function carriedHeader(resource: string, token: string): string {
  return `${resource.length}:${resource}${token.length}:${token}`;
}

/** The resource, the token and the value of a carried release, or undefined if it is not one. */
export function parseCarried(message: string): { resource: string; holder: string; value: string } | undefined {
  const field = (at: number): [string, number] | undefined => {
    const colon = message.indexOf(':', at);
    const length = Number(message.slice(at, colon));
    if (colon <= at || !Number.isSafeInteger(length) || length < 0) return undefined;
    return [message.slice(colon + 1, colon + 1 + length), colon + 1 + length];
  };
  const resource = field(0);
  const holder = resource && field(resource[1]);
  return holder && { resource: resource[0], holder: holder[0], value: message.slice(holder[1]) };
}

/**
 * Lets one waiting `acquire` sleep until a release message or a deadline. A wake-up that arrives while
 * the waiter is busy attempting is remembered, so the next `wait` returns at once instead of missing it.
 */
export class Wakeup {
  #woken = false;
  #carried: { readonly holder: string; readonly value: string } | undefined;
  #done: (() => void) | undefined;

  /** The value `holder`'s release carried, if one did since the last reset. */
  carriedBy(holder: string): string | undefined {
    return this.#carried?.holder === holder ? this.#carried.value : undefined;
  }

  /** Forgets earlier wake-ups; called just before an attempt, which sees everything released before it. */
  reset(): void {
    this.#woken = false;
    this.#carried = undefined;
  }

  wake(): void {
    this.#woken = true;
    this.#done?.();
  }

  /** Keeps the value a release carried, named by its holder, for `carriedBy`; the plain release that follows wakes. */
  carry(holder: string, value: string): void {
    this.#carried = { holder, value };
  }

  /** Resolves on a wake-up or after `ms`. A new wait ends the previous one. */
  wait(ms: number): Promise<void> {
    this.#done?.();
    if (this.#woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#done === done) this.#done = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#done = done;
    });
  }

  /** Ends a pending wait so its timer does not outlive the acquire. */
  dispose(): void {
    this.#done?.();
  }
}
