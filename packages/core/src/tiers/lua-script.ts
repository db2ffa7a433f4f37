import { createHash } from 'node:crypto';
import { resendOnTopologyChange, type RedisClient } from './redis-connection.js';

/**
 * A Lua script run by its SHA. We don't `defineCommand` it because that would add methods to a client
 * the application owns.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // A script refused because its slot is moving never ran, so it is safe to send again (alone).
    const evalsha = [this.#sha, keys.length, ...keys, ...args];
    try {
      return await resendOnTopologyChange(client, client.evalsha(this.#sha, keys.length, ...keys, ...args), 'evalsha', evalsha);
    } catch (error) {
      // The server has not seen the script yet (first use, restart, SCRIPT FLUSH): send the source once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      const source = [this.#source, keys.length, ...keys, ...args];
      return resendOnTopologyChange(client, client.eval(this.#source, keys.length, ...keys, ...args), 'eval', source);
    }
  }
}
