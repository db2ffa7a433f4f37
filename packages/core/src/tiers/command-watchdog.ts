import type { Redis } from 'ioredis';

/** The error ioredis' own `commandTimeout` gives, so that every caller recognises it as a timeout. */
const TIMED_OUT = 'Command timed out';

/** A command sent and not answered yet, as ioredis queues it (not part of its typed API). */
interface Pending {
  readonly command: { readonly isSettled?: boolean; reject(error: Error): void };
}

interface PendingQueue {
  readonly length: number;
  peekAt(index: number): Pending | undefined;
}

/** How many times per command timeout the queue is looked at: a command fails at most this fraction late. */
const LOOKS_PER_TIMEOUT = 4;

/**
 * Bounds every command of one standalone connection by `timeoutMs` without a timer per command
 * (ioredis' `commandTimeout` arms and clears one for each, on the path of every L2 hit): one timer
 * per connection looks at the commands waiting for a reply, notes when it first saw each, and fails
 * those it has seen waiting a full timeout with ioredis' own "Command timed out". Only the commands
 * sent since the last look are new to it, and they sit at the back of the queue, so a look costs
 * about as many steps as commands were sent meanwhile, plus the ones already failed while Redis
 * hangs. Replies keep their order, so a command answered late is still matched to its caller, who
 * has moved on. Returns a function that stops the watchdog.
 */
export function watchCommands(client: Redis, timeoutMs: number): () => void {
  const seenAt = new WeakMap<Pending, number>();
  const periodMs = Math.max(1, Math.floor(timeoutMs / LOOKS_PER_TIMEOUT));
  const lookAt = (queue: PendingQueue | null | undefined, now: number) => {
    if (queue === undefined || queue === null || queue.length === 0) return;
    for (let i = queue.length - 1; i >= 0; i--) {
      const pending = queue.peekAt(i)!;
      if (seenAt.has(pending)) break;
      seenAt.set(pending, now);
    }
    const late = now - timeoutMs;
    for (let i = 0; i < queue.length; i++) {
      const pending = queue.peekAt(i)!;
      if (seenAt.get(pending)! > late) break;
      if (!pending.command.isSettled) pending.command.reject(new Error(TIMED_OUT));
    }
  };
  // Commands sent on a connection that dropped wait in `prevCommandQueue` for the next one, to be sent again.
  const queues = client as unknown as { commandQueue?: PendingQueue; prevCommandQueue?: PendingQueue | null };
  const look = () => {
    const now = performance.now();
    lookAt(queues.commandQueue, now);
    lookAt(queues.prevCommandQueue, now);
  };
  const timer = setInterval(look, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
