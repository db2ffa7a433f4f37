import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { Waiting, WaitingCalls } from './waiting-calls.js';

/** A call bounded by `NodeBreakers.run` that did not answer within one command timeout. */
export class CommandTimeout extends Error {
  constructor(
    ms: number,
    /** `performance.now()` when the call was made. */
    readonly sentAt: number,
  ) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'CommandTimeout';
  }
}

/** Thrown to the calls waiting on a node when its breaker opens: they stop waiting at once. */
export const RELEASED = new Error('the breaker of this Redis node opened while the call waited');

/** ioredis' own `commandTimeout` error, or ours. */
export function isTimeout(error: unknown): boolean {
  return error instanceof CommandTimeout || (error instanceof Error && error.message === 'Command timed out');
}

/** How often waiting calls are checked against the command timeout. */
const SWEEP_MS = 25;

interface NodeState {
  readonly breaker: CircuitBreaker;
  readonly waiting: WaitingCalls;
  probing: boolean;
  lastError?: unknown;
  /** `performance.now()` of the last reply from the node. */
  lastAnswer: number;
}

export interface ProbeHooks {
  /** Resolves when the node answers (and what it missed was replayed); throws otherwise. */
  probe(node: string): Promise<void>;
  ready(): boolean;
  /** False once the node serves no slot: its breaker is dropped. */
  servesSlots(node: string): boolean;
  opened(node: string, error: unknown): void;
  closed(node: string): void;
  /** A call was answered (any call: a probe's too). */
  answered(): void;
}

/**
 * One circuit breaker per Redis node, so a dead shard is skipped while the others serve. Calls to a
 * node are bounded by one command timeout from when they were made (ioredis starts its timer only
 * when an auto-pipelined batch leaves, after the previous one came back), and when a node's breaker
 * opens, the calls still waiting on it are released at once. While open, the node is probed without
 * pause while it hangs (an answer closes it at once), after a backoff while it fails fast, and as
 * soon as the connection is back while it is down.
 */
export class NodeBreakers {
  readonly #nodes = new Map<string, NodeState>();
  readonly #wakers = new Set<() => void>();
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly timeoutMs: number,
    private readonly hooks: ProbeHooks,
  ) {}

  isOpen(node: string): boolean {
    const state = this.#nodes.get(node);
    return state !== undefined && this.#stillOpen(node, state);
  }

  get anyOpen(): boolean {
    for (const [node, state] of this.#nodes) if (this.#stillOpen(node, state)) return true;
    return false;
  }

  /** The nodes skipped now, with why: for health checks. */
  openNodes(): { node: string; error: string }[] {
    return [...this.#nodes]
      .filter(([node, state]) => this.#stillOpen(node, state))
      .map(([node, state]) => ({ node, error: state.lastError instanceof Error ? state.lastError.message : String(state.lastError) }));
  }

  /**
   * Whether `node`'s breaker is open. One that serves no slot any more (a failed-over master) is
   * dropped as soon as that is seen, here or by its probe, not at the end of the probe's backoff.
   */
  #stillOpen(node: string, state: NodeState): boolean {
    if (!state.breaker.isOpen) return false;
    if (this.hooks.servesSlots(node)) return true;
    if (this.#nodes.get(node) === state) {
      this.#nodes.delete(node);
      this.hooks.closed(node);
    }
    return false;
  }

  /**
   * Runs `call` on `node`, bounded by one command timeout (unless `bounded` is false) and released if
   * the node's breaker opens. An answer counts as the node's success; an error, a timeout's
   * included, goes to `failed`, whose result answers instead. One promise per call: it is on the
   * path of every L2 command.
   */
  run<T, S>(node: string, call: () => Promise<T>, failed: (error: unknown) => S | Promise<S>, bounded = true): Promise<T | S> {
    const state = this.#state(node);
    return new Promise<T | S>((resolve) => {
      const fail = (error: unknown) => resolve(failed(error));
      const waiting = bounded ? state.waiting.add(performance.now(), fail) : new Waiting(performance.now(), fail);
      if (bounded) this.#sweepSoon();
      let sent: Promise<T>;
      try {
        sent = call();
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        (value) => {
          state.lastAnswer = performance.now();
          // Given up on already (timed out, or released): that was its answer.
          if (waiting.reject === undefined) return;
          waiting.settle();
          state.breaker.recordSuccess();
          this.hooks.answered();
          resolve(value);
        },
        (error: unknown) => {
          if (waiting.reject === undefined) return;
          waiting.settle();
          fail(error);
        },
      );
    });
  }

  /**
   * Counts a failure. A timeout opens the breaker only if the node has not answered anything since
   * the call was made: one that answers other calls is slow, not hung, and this process's own event
   * loop may have been too busy to read a reply that had arrived, so replies waiting to be read are
   * let in first (setImmediate runs after pending I/O). Resolves once the failure is counted, so the
   * caller's next command already sees an open breaker.
   */
  async failed(node: string, error: unknown): Promise<void> {
    const state = this.#state(node);
    state.lastError = error;
    if (!isTimeout(error)) return this.#count(node, state, error, false);
    const sentAt = error instanceof CommandTimeout ? error.sentAt : performance.now() - this.timeoutMs;
    await new Promise((resolve) => setImmediate(resolve));
    this.#count(node, state, error, state.lastAnswer < sentAt);
  }

  /** The connection is back: probe every open node now rather than at the end of its backoff. */
  wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  close(): void {
    this.#closed = true;
    this.wake();
    clearTimeout(this.#sweep);
    for (const state of this.#nodes.values()) this.#release(state);
  }

  #count(node: string, state: NodeState, error: unknown, silent: boolean): void {
    if (this.#closed || !state.breaker.recordFailure(silent)) return;
    this.#release(state);
    this.hooks.opened(node, error);
    void this.#probe(node, state);
  }

  #release(state: NodeState): void {
    state.waiting.release(RELEASED);
  }

  /**
   * One timer for every waiting call rather than one per call (it is on the path of every L2 hit):
   * it times out what has waited a command timeout, at most `SWEEP_MS` late, and stops when nothing waits.
   */
  #sweepSoon(): void {
    if (this.#sweep !== undefined || this.#closed) return;
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const late = performance.now() - this.timeoutMs;
      let pending = false;
      for (const state of this.#nodes.values()) {
        state.waiting.expire(late, (sentAt) => new CommandTimeout(this.timeoutMs, sentAt));
        pending ||= state.waiting.any;
      }
      if (pending) this.#sweepSoon();
    }, SWEEP_MS);
    this.#sweep.unref();
  }

  #state(node: string): NodeState {
    let state = this.#nodes.get(node);
    if (state === undefined) {
      state = { breaker: new CircuitBreaker(this.options), waiting: new WaitingCalls(), probing: false, lastAnswer: 0 };
      this.#nodes.set(node, state);
    }
    return state;
  }

  async #probe(node: string, state: NodeState): Promise<void> {
    if (state.probing) return;
    state.probing = true;
    try {
      while (!this.#closed && this.#stillOpen(node, state)) {
        if (!this.hooks.ready()) {
          await this.#pause(state.breaker.takeProbeDelay());
          continue;
        }
        try {
          await this.run(node, () => this.hooks.probe(node), (error) => Promise.reject(error));
          if (state.breaker.close()) this.hooks.closed(node);
        } catch (error) {
          state.lastError = error;
          // A node that hangs is asked again at once: the next PING is answered the moment it wakes.
          if (!isTimeout(error)) await this.#pause(state.breaker.takeProbeDelay());
        }
      }
    } finally {
      state.probing = false;
    }
  }

  /** Waits `ms`, or less if woken (connection back, or closing). */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wakers.add(done);
    });
  }
}
