/**
 * What L1 entries cost on the V8 heap (64-bit, without pointer compression, as Node ships), so that
 * `l1.maxBytes` bounds real memory. One place for the model: the L1 store, the value walk and
 * anyone budgeting L1 (per tenant, say) use these functions and nothing else.
 *
 * Property names are not counted: objects of one shape share them in their hidden class.
 */

/** A field, an array element or a Map/Set slot: one tagged pointer. */
export const SLOT_BYTES = 8;
/** Map, properties and elements pointers of any JS object. */
const OBJECT_HEADER_BYTES = 24;
/** A JS array's header plus its elements store's. */
const ARRAY_HEADER_BYTES = 48;
/** A number that is not a small integer is boxed. */
const HEAP_NUMBER_BYTES = 16;
/** A Map or Set: the object, its hash table's fixed part, and per entry a hash-chain slot and the entry. */
const COLLECTION_BYTES = 96;
const COLLECTION_ENTRY_BYTES = 24;
const DATE_BYTES = 80;
const TYPED_ARRAY_BYTES = 160;
const BIGINT_BYTES = 24;

/**
 * What L1 adds per entry besides the value: the record (13 fields, 128 bytes, and four boxed times,
 * 64) and lru-cache's index entry. Measured in bench/ (memory scenario: Tiercache against raw lru-cache).
 */
const ENTRY_OVERHEAD_BYTES = 240;

const SMI_LIMIT = 2 ** 31;

function aligned(bytes: number): number {
  return (bytes + 7) & ~7;
}

/**
 * A string: a header and a byte per character. Text beyond Latin-1 takes two, but telling would read
 * every character, which flattens a string built by concatenation into a second copy: measuring
 * would cost more memory than it saves. Such text is counted at half its cost.
 */
export function stringBytes(text: string): number {
  return aligned(16 + text.length);
}

/** What a number costs beyond the slot holding it. */
export function numberBytes(value: number): number {
  return Number.isInteger(value) && value < SMI_LIMIT && value >= -SMI_LIMIT ? 0 : HEAP_NUMBER_BYTES;
}

export function bigintBytes(): number {
  return BIGINT_BYTES;
}

/** A plain or class-instance object with `fields` own fields, without what the fields hold. */
export function objectBytes(fields: number): number {
  return OBJECT_HEADER_BYTES + fields * SLOT_BYTES;
}

export function arrayBytes(length: number): number {
  return ARRAY_HEADER_BYTES + length * SLOT_BYTES;
}

/** A Map (two slots an entry) or a Set (one), without what the entries hold. */
export function collectionBytes(entries: number, slotsPerEntry: 1 | 2): number {
  return COLLECTION_BYTES + entries * (COLLECTION_ENTRY_BYTES + slotsPerEntry * SLOT_BYTES);
}

export function dateBytes(): number {
  return DATE_BYTES;
}

export function typedArrayBytes(byteLength: number): number {
  return TYPED_ARRAY_BYTES + byteLength;
}

/**
 * An L1 entry's whole cost: its key, the value (`valueBytes`, from the value walk) and L1's own
 * bookkeeping. What `l1.maxBytes` and `status().l1.bytes` count.
 */
export function l1EntryBytes(key: string, valueBytes: number): number {
  return stringBytes(key) + valueBytes + ENTRY_OVERHEAD_BYTES;
}

/**
 * A value's cost guessed from its serialized length, for a value kept without walking it (the fast
 * mode's L2 fills): JSON of typical records takes about 1.4 bytes of heap per character.
 */
export function serializedValueBytes(length: number): number {
  return Math.ceil(length * 1.4);
}
