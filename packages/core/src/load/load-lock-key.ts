/**
 * The fleet load lock of a key lives in the key's own Cluster slot, so that one script can take the
 * lock and read the entry (no CROSSSLOT), and the write and the release go to one node in order.
 * The lock's resource starts with a hash tag of the entry's slot; the key follows, for uniqueness.
 */
export function loadLockResource(key: string): string {
  return `${slotTag(key)}}${key}`;
}

/** A hash tag (no `}`, non-empty) whose slot is the slot of `key`. */
export function slotTag(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  // No hash tag: the whole key is hashed, and can be the tag unless it holds a `}` (which would end it).
  if (!key.includes('}')) return key;
  return tagForSlot(slotOf(key));
}

/** The slot Redis Cluster gives `key`: CRC16 (XMODEM) of its UTF-8 bytes, or of its hash tag's. */
export function slotOf(key: string): number {
  const bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) & 0x3fff;
  }
  return crc16(bytes) & 0x3fff;
}

/** Short brace-free tags found so far, by slot: a search of ~16 000 CRCs the first time a slot needs one. */
const tagsBySlot = new Map<number, string>();

function tagForSlot(slot: number): string {
  let tag = tagsBySlot.get(slot);
  for (let i = 0; tag === undefined; i++) {
    const candidate = i.toString(36);
    if ((crc16(Buffer.from(candidate)) & 0x3fff) === slot) tagsBySlot.set(slot, (tag = candidate));
  }
  return tag;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
