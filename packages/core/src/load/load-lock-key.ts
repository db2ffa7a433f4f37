// ioredis's own slot hash: what we compute always matches where the client sends the command.
import calculateSlot from 'cluster-key-slot';

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
  return tagForSlot(calculateSlot(key));
}

/** Short brace-free tags found so far, by slot: a search of ~16 000 slot hashes the first time a slot needs one. */
const tagsBySlot = new Map<number, string>();

function tagForSlot(slot: number): string {
  let tag = tagsBySlot.get(slot);
  for (let i = 0; tag === undefined; i++) {
    const candidate = i.toString(36);
    if (calculateSlot(candidate) === slot) tagsBySlot.set(slot, (tag = candidate));
  }
  return tag;
}
