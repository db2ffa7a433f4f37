import { createHash } from 'node:crypto';

/** A key's two base hashes; bit `i` of the key is `(h1 + i * h2) mod bits` (Kirsch–Mitzenmacher). */
export type KeyHash = readonly [h1: number, h2: number];

/** The size of a Bloom filter for `items` keys at false-positive rate `rate`. */
export interface BloomShape {
  readonly bits: number;
  readonly hashes: number;
}

/** Redis strings hold at most 2^32 bits. */
const MAX_BITS = 2 ** 32;

export function shapeFor(items: number, rate: number): BloomShape {
  const n = Math.max(1, items);
  const bits = Math.min(MAX_BITS, Math.max(64, Math.ceil((-n * Math.log(rate)) / Math.LN2 ** 2)));
  const hashes = Math.max(1, Math.min(30, Math.round((bits / n) * Math.LN2)));
  return { bits, hashes };
}

export function hashKey(fullKey: string): KeyHash {
  const digest = createHash('sha256').update(fullKey).digest();
  // An odd step never cycles through fewer than all bit positions of an even-sized filter.
  return [digest.readUInt32BE(0), (digest.readUInt32BE(4) | 1) >>> 0];
}

export function bitsOf([h1, h2]: KeyHash, shape: BloomShape): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.hashes; i++) out.push((h1 + i * h2) % shape.bits);
  return out;
}

/** The false-positive rate of a filter whose set bits are `fill` (0–1) of all: a random key finds all its bits set. */
export function estimatedFalsePositiveRate(fill: number, hashes: number): number {
  return fill ** hashes;
}
