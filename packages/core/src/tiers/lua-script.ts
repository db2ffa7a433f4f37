import { createHash } from 'node:crypto';
import { sendNow, type RedisClient } from './redis-connection.js';

type Args = readonly (string | number)[];

/**
 * A Lua script run by its SHA. We don't `defineCommand` it because that would add methods to a client
 * the application owns.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  /**
   * Per client, the EVAL under way that teaches a server this script. A burst of calls on a server that
   * has not seen it (first use, restart, SCRIPT FLUSH, failover) sends the source once, and the others
   * run by SHA once it has landed: 2 000 EVALs of the source in one batch outlast a command timeout.
   */
  readonly #loading = new WeakMap<RedisClient, Promise<unknown>>();

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** `built`: the arguments, or what builds them as each attempt leaves (a bus message's number: see `InvalidationBus.carried`). */
  async run(client: RedisClient, keys: readonly string[], built: Args | (() => Args)): Promise<unknown> {
    const args = typeof built === 'function' ? built : () => built;
    try {
      return await this.#evalsha(client, keys, args());
    } catch (error) {
      if (!isNoScript(error)) throw error;
    }
    const loading = this.#loading.get(client);
    if (loading !== undefined) {
      await loading.catch(() => undefined);
      try {
        return await this.#evalsha(client, keys, args());
      } catch (error) {
        // Another node of a cluster, which that EVAL did not reach: this call teaches it.
        if (!isNoScript(error)) throw error;
      }
    }
    const evaluated = this.#eval(client, keys, args());
    this.#loading.set(client, evaluated);
    try {
      return await evaluated;
    } finally {
      if (this.#loading.get(client) === evaluated) this.#loading.delete(client);
    }
  }

  // A script refused because its slot is moving never ran, so it is safe to send again (alone).
  #evalsha(client: RedisClient, keys: readonly string[], args: Args): Promise<unknown> {
    return sendNow(client, 'evalsha', [this.#sha, keys.length, keys, args]);
  }

  #eval(client: RedisClient, keys: readonly string[], args: Args): Promise<unknown> {
    return sendNow(client, 'eval', [this.#source, keys.length, keys, args]);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
