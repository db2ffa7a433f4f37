import type { RedisClient } from '../tiers/redis-tier.js';
import type { BloomShape, KeyHash } from './bloom.js';
import type { FilterStore, StoredFilterState } from './filter-store.js';
import { abortScript, addScript, beginScript, checkScript, fillScript, stateScript, swapScript } from './redis-filter-scripts.js';

const flat = (hashes: readonly KeyHash[]): number[] => hashes.flatMap(([h1, h2]) => [h1, h2]);

/**
 * The filter in Redis, shared by every instance: a bitmap per slot plus a meta hash, changed only by
 * scripts so that an add, a check and the swap never interleave.
 */
export class RedisFilterStore implements FilterStore {
  readonly #keys: string[];

  constructor(
    private readonly client: RedisClient,
    /** e.g. `tiercache:absent:{app:agents}`: one hash tag for all three keys. */
    base: string,
  ) {
    this.#keys = [`${base}:meta`, `${base}:bits:0`, `${base}:bits:1`];
  }

  async add(hashes: readonly KeyHash[]): Promise<void> {
    await addScript.run(this.client, this.#keys, flat(hashes));
  }

  async mightContain([h1, h2]: KeyHash): Promise<boolean | undefined> {
    const reply = Number(await checkScript.run(this.client, this.#keys, [h1, h2]));
    return reply === -1 ? undefined : reply === 1;
  }

  async begin(token: string, shape: BloomShape, leaseMs: number): Promise<boolean> {
    return Number(await beginScript.run(this.client, this.#keys, [token, shape.bits, shape.hashes, leaseMs])) === 1;
  }

  async fill(token: string, hashes: readonly KeyHash[], leaseMs: number): Promise<boolean> {
    return Number(await fillScript.run(this.client, this.#keys, [token, leaseMs, ...flat(hashes)])) === 1;
  }

  async swap(token: string, items: number): Promise<boolean> {
    return Number(await swapScript.run(this.client, this.#keys, [token, items])) === 1;
  }

  async abort(token: string): Promise<void> {
    await abortScript.run(this.client, this.#keys, [token]);
  }

  async state(): Promise<StoredFilterState> {
    const [cur, bits, hashes, setBits, items, builtAt, building] = (await stateScript.run(this.client, this.#keys, [])) as unknown[];
    return {
      current: cur ? { bits: Number(bits), hashes: Number(hashes), setBits: Number(setBits), items: Number(items), builtAt: Number(builtAt) } : undefined,
      building: Number(building) === 1,
    };
  }
}
