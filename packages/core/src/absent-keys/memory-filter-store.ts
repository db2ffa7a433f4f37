import { bitsOf, type BloomShape, type KeyHash } from './bloom.js';
import type { FilterStore, StoredFilterState } from './filter-store.js';

/** Bit offsets reach 2^32, past what JavaScript's 32-bit shifts handle. */
function locate(bit: number): [byte: number, mask: number] {
  return [Math.floor(bit / 8), 1 << bit % 8];
}

class Bits {
  readonly #bytes: Uint8Array;
  setBits = 0;

  constructor(readonly shape: BloomShape) {
    this.#bytes = new Uint8Array(Math.ceil(shape.bits / 8));
  }

  add(hash: KeyHash): void {
    for (const bit of bitsOf(hash, this.shape)) {
      const [byte, mask] = locate(bit);
      if ((this.#bytes[byte]! & mask) === 0) this.setBits++;
      this.#bytes[byte]! |= mask;
    }
  }

  has(hash: KeyHash): boolean {
    return bitsOf(hash, this.shape).every((bit) => {
      const [byte, mask] = locate(bit);
      return (this.#bytes[byte]! & mask) !== 0;
    });
  }
}

/** The filter of a cache without Redis: in this process only. */
export class MemoryFilterStore implements FilterStore {
  #current: { bits: Bits; items: number; builtAt: number } | undefined;
  #next: { bits: Bits; token: string; until: number } | undefined;

  async add(hashes: readonly KeyHash[]): Promise<void> {
    for (const hash of hashes) {
      this.#current?.bits.add(hash);
      this.#next?.bits.add(hash);
    }
  }

  async mightContain(hash: KeyHash): Promise<boolean | undefined> {
    return this.#current?.bits.has(hash);
  }

  async begin(token: string, shape: BloomShape, leaseMs: number): Promise<boolean> {
    if (this.#next !== undefined && this.#next.until > Date.now()) return false;
    this.#next = { bits: new Bits(shape), token, until: Date.now() + leaseMs };
    return true;
  }

  async fill(token: string, hashes: readonly KeyHash[], leaseMs: number): Promise<boolean> {
    const next = this.#next;
    if (next?.token !== token) return false;
    next.until = Date.now() + leaseMs;
    for (const hash of hashes) next.bits.add(hash);
    return true;
  }

  async swap(token: string, items: number): Promise<boolean> {
    const next = this.#next;
    if (next?.token !== token) return false;
    this.#current = { bits: next.bits, items, builtAt: Date.now() };
    this.#next = undefined;
    return true;
  }

  async abort(token: string): Promise<void> {
    if (this.#next?.token === token) this.#next = undefined;
  }

  async state(): Promise<StoredFilterState> {
    const current = this.#current;
    return {
      current: current && { ...current.bits.shape, setBits: current.bits.setBits, items: current.items, builtAt: current.builtAt },
      building: this.#next !== undefined && this.#next.until > Date.now(),
    };
  }
}
