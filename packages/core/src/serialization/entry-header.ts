/** An entry's header fields (see EntryCodec's wire format). */
export interface EntryHeader {
  createdAt: number;
  expiresAt: number;
  compressed: number;
  tags: string[] | undefined;
  loadMs: number;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;
const COMMA = 44;
const SPACE = 32;
const OPEN = 91;
const CLOSE = 93;
/** Exact doubles, written as literals (a computed power need not be exact). */
const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Reads the header of an untagged entry as `EntryCodec.encode` writes it straight from the text,
 * without JSON.parse and its array: the path of nearly every L2 hit. A number is read digit by digit
 * and comes out as JSON.parse rounds it: all its digits make an exact integer, divided once by an
 * exact power of ten, which rounds correctly (a longer one is read by Number from its text). Anything
 * else, valid JSON or not (tags, an exponent, whitespace), is left to JSON.parse, which has the last word.
 * One per codec: decoding is synchronous, so the fields are read before the next entry is scanned.
 */
export class HeaderScan implements EntryHeader {
  createdAt = 0;
  expiresAt = 0;
  compressed = 0;
  tags: string[] | undefined = undefined;
  loadMs = 0;
  #raw = '';
  #at = 0;

  /** Whether `raw`, from `start` (its `[`) to `end` (its newline), is such a header: the fields are then set. */
  read(raw: string, start: number, end: number, serializerId: string): boolean {
    this.#raw = raw;
    this.#at = start;
    if (!this.#take(OPEN)) return false;
    this.createdAt = this.#number();
    // createdAt is padded with spaces (see STAMP_WIDTH).
    while (raw.charCodeAt(this.#at) === SPACE) this.#at++;
    if (Number.isNaN(this.createdAt) || !this.#take(COMMA)) return false;
    this.expiresAt = this.#number();
    if (Number.isNaN(this.expiresAt) || !this.#take(COMMA) || !raw.startsWith(serializerId, this.#at)) return false;
    this.#at += serializerId.length;
    if (!this.#take(COMMA)) return false;
    const flag = raw.charCodeAt(this.#at++) - DIGIT_0;
    if ((flag !== 0 && flag !== 1) || !raw.startsWith(',[],', this.#at)) return false;
    this.compressed = flag;
    this.tags = undefined;
    this.#at += 4;
    this.loadMs = this.#number();
    return !Number.isNaN(this.loadMs) && this.#take(CLOSE) && this.#at === end;
  }

  #take(code: number): boolean {
    if (this.#raw.charCodeAt(this.#at) !== code) return false;
    this.#at++;
    return true;
  }

  /** A JSON number without sign or exponent, read exactly; NaN when what is here is not one. */
  #number(): number {
    const raw = this.#raw;
    const start = this.#at;
    let at = start;
    let digits = 0;
    let fraction = -1;
    for (;;) {
      const c = raw.charCodeAt(at);
      if (c >= DIGIT_0 && c <= DIGIT_9) {
        digits = digits * 10 + (c - DIGIT_0);
        if (fraction >= 0) fraction++;
      } else if (c === DOT && fraction < 0 && at > start) {
        fraction = 0;
      } else {
        break;
      }
      at++;
    }
    // JSON wants a digit before and after the dot, and no leading zero before another digit.
    const leadingZero = raw.charCodeAt(start) === DIGIT_0 && at > start + 1 && raw.charCodeAt(start + 1) !== DOT;
    if (at === start || fraction === 0 || leadingZero) return NaN;
    this.#at = at;
    // Past a safe integer (a stamp with four decimals) the digits are no longer exact: the text of a
    // JSON number, validated above, reads as JSON.parse reads it.
    if (digits > Number.MAX_SAFE_INTEGER || fraction >= POWERS_OF_TEN.length) return Number(raw.slice(start, at));
    return fraction > 0 ? digits / POWERS_OF_TEN[fraction]! : digits;
  }
}
