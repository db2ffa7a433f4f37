import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ErrorCode, TiercacheError } from '../errors.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import { HeaderScan, type EntryHeader } from './entry-header.js';
import { jsonSerializer, serializeJson, type Serialized, type Serializer } from './serializer.js';

/**
 * The L2 wire format, version 1:
 *
 *     TC1[createdAt,expiresAt,"serializerId",compressed,[tags…],loadMs]\n<payload>
 *
 * The header is JSON (easy to extend; an untagged one as `encode` writes it is read without
 * JSON.parse, see `HeaderScan`); the payload is the serializer's text, or its
 * deflate-raw bytes in base64 when it exceeds the compression threshold. Anything that does not parse
 * as this exact shape is rejected, so foreign or old-format data can never be returned as a value.
 *
 * A deleted key holds a tombstone, `TCD<deletedAt>`, for a short while: it reads as a miss, and the
 * conditional write script refuses to put an entry created before the delete over it.
 *
 * `createdAt` is padded with spaces to STAMP_WIDTH characters (JSON allows them), so that Redis can
 * restamp a user's write in place (see `writeInTimeScript`).
 */
const MAGIC = 'TC1';
const TOMBSTONE = 'TCD';

/** The width `createdAt` is written at, right after `TC1[`. */
export const STAMP_WIDTH = 20;

/** A time longer than the field (no real one is: ms since 1970 take 18 characters at most) is written as it is. */
function stampField(createdAt: number): string {
  return String(createdAt).padEnd(STAMP_WIDTH);
}

export function encodeTombstone(deletedAt: number): string {
  return `${TOMBSTONE}${deletedAt}`;
}

export function isTombstone(raw: string): boolean {
  return raw.startsWith(TOMBSTONE);
}

export interface EntryCodecOptions {
  serializer: Serializer;
  /** Payloads at least this long (in characters) are compressed; `false` never compresses. */
  compressAbove: number | false;
  /** The most bytes a compressed payload may inflate to; past it the entry is unreadable. */
  maxDecompressedBytes: number;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

/** A value in the form every tier hands out (what an L2 read returns for it), and its serialized text. */
export interface Shaped {
  readonly value: unknown;
  readonly payload: string;
}

export class EntryCodec {
  /** The serializer's id as a JSON string. */
  readonly #serializerId: string;
  readonly #scan = new HeaderScan();

  constructor(private readonly options: EntryCodecOptions) {
    this.#serializerId = JSON.stringify(options.serializer.id);
  }

  /**
   * Puts a value through the serializer and back, so that the caller of a load or a set, an L1 hit
   * and an L2 hit on another instance all get the same shape (plain data, unless the serializer
   * revives classes). Throws E_SERIALIZATION before anything is written.
   */
  shape(value: unknown): Shaped {
    const { serializer } = this.options;
    const payload = serializer.serialize(value);
    try {
      return { value: serializer.deserialize(payload), payload };
    } catch (cause) {
      throw new TiercacheError(ErrorCode.Serialization, `Serializer "${serializer.id}" cannot read back what it wrote for this value.`, { cause });
    }
  }

  /**
   * The serialized text of a value nobody needs back now (a set), with the value read back only when
   * that can fail: the built-in serializer's text always reads back, so L1 decodes it on its first
   * read (see `L1Store`); another serializer's is read back now, as `shape` does.
   */
  serializeOnly(value: unknown): Shaped | Serialized {
    return this.options.serializer === jsonSerializer ? serializeJson(value) : this.shape(value);
  }

  /** A payload `serializeOnly` left undecoded. */
  decodeValue(payload: string): unknown {
    return this.options.serializer.deserialize(payload);
  }

  /** `payload`: the value's serialized text, when `shape` made it already. */
  encode(entry: CacheEntry, payload = this.options.serializer.serialize(entry.value)): string {
    let compressed = 0;
    const threshold = this.options.compressAbove;
    if (threshold !== false && payload.length >= threshold) {
      payload = deflateRawSync(payload).toString('base64');
      compressed = 1;
    }
    // The header's JSON, written out: its numbers are finite and its one string is quoted once.
    const tags = entry.tags === undefined || entry.tags.length === 0 ? '[]' : JSON.stringify(entry.tags);
    return `${MAGIC}[${stampField(entry.createdAt)},${entry.expiresAt},${this.#serializerId},${compressed},${tags},${entry.loadMs ?? 0}]\n${payload}`;
  }

  /** Returns the entry, or a string saying why the raw text is not one of ours. Never throws. */
  decode(raw: string): CacheEntry | string {
    if (!raw.startsWith(MAGIC)) return 'not a Tiercache entry';
    const newline = raw.indexOf('\n', MAGIC.length);
    if (newline < 0) return 'no header terminator';
    // The scan's fields hold the header either way: read straight from the text, or parsed into them.
    const header = this.#scan;
    if (!header.read(raw, MAGIC.length, newline, this.#serializerId)) {
      const unreadable = this.#parseHeader(raw.slice(MAGIC.length, newline), header);
      if (unreadable !== undefined) return unreadable;
    }
    const { createdAt, expiresAt, compressed, tags, loadMs } = header;
    let payload = raw.slice(newline + 1);
    let value: unknown;
    try {
      if (compressed === 1) payload = this.#inflate(payload);
      value = this.options.serializer.deserialize(payload);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') return 'unreadable payload';
      return `payload inflates past l2.maxDecompressedBytes (${this.options.maxDecompressedBytes})`;
    }
    return tags === undefined ? { value, createdAt, expiresAt, loadMs } : { value, createdAt, expiresAt, tags, loadMs };
  }

  /** A header `HeaderScan` did not read, judged as JSON, into `into`; or why it is not one of ours. */
  #parseHeader(text: string, into: EntryHeader): string | undefined {
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch {
      return 'unreadable header';
    }
    if (!Array.isArray(header) || header.length !== 6) return 'unexpected header shape';
    const [createdAt, expiresAt, serializerId, compressed, tags, loadMs] = header as unknown[];
    if (typeof createdAt !== 'number' || typeof expiresAt !== 'number' || typeof loadMs !== 'number') return 'bad timestamps';
    if (serializerId !== this.options.serializer.id) return `written by serializer "${String(serializerId)}"`;
    if (compressed !== 0 && compressed !== 1) return 'bad compression flag';
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) return 'bad tags';
    into.createdAt = createdAt;
    into.expiresAt = expiresAt;
    into.compressed = compressed;
    into.tags = tags.length === 0 ? undefined : (tags as string[]);
    into.loadMs = loadMs;
    return undefined;
  }

  /** Stops at the cap instead of allocating whatever the entry claims. */
  #inflate(base64: string): string {
    return inflateRawSync(Buffer.from(base64, 'base64'), { maxOutputLength: this.options.maxDecompressedBytes }).toString('utf8');
  }
}
