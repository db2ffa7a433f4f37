// Diagnostic: rebuilds Tiercache's L1 hit path step by step in plain code (same lru-cache, same
// record shape) to see which step costs what. argv[2] picks the step; one step per process.
import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import { TieredCache } from '@tiercache/core';
import { KEYS, makeValue, throughput } from '../lib/common.mjs';

const step = process.argv[2];
const prefix = 'b:';
const lru = new LRUCache({ max: 10_000, maxSize: 2 ** 30, sizeCalculation: (s) => s.size });
const marks = { version: 0 };
const events = new EventEmitter();
const stats = { hitsL1: 0 };
for (let i = 0; i < 1024; i++) {
  const v = makeValue(i);
  const entry = { value: v, createdAt: 1, expiresAt: Date.now() + 600_000, tags: undefined, loadMs: 0 };
  const record = { ...entry, freshUntil: entry.expiresAt, value: v, size: 1, cloneOnRead: false, marks: [], checked: -1, verdict: 'fresh' };
  lru.set(prefix + KEYS[i], { value: record, until: entry.expiresAt, size: 1 });
}
// The fix under test: a class with every field assigned in the constructor keeps them all in-object,
// stored directly in lru-cache (no Slot wrapper), with `until` on the record itself.
class L1Record {
  constructor(value, createdAt, expiresAt, tags, loadMs, freshUntil, size, cloneOnRead, marks) {
    this.value = value;
    this.createdAt = createdAt;
    this.expiresAt = expiresAt;
    this.tags = tags;
    this.loadMs = loadMs;
    this.freshUntil = freshUntil;
    this.size = size;
    this.cloneOnRead = cloneOnRead;
    this.marks = marks;
    this.checked = -1;
    this.verdict = 'fresh';
  }
}
const lru2 = new LRUCache({ max: 10_000, maxSize: 2 ** 30, sizeCalculation: (s) => s.size });
const prebuilt = KEYS.map((k) => prefix + k);
for (let i = 0; i < 1024; i++) {
  const v = makeValue(i);
  lru2.set(prefix + KEYS[i], new L1Record(v, 1, Date.now() + 600_000, undefined, 0, Date.now() + 600_000, 1, false, []));
}
const escapeRaw = (t) => (/[%|]/.test(t) ? t.replace(/%/g, '%25') : t);
const get = (key) => {
  const slot = lru.get(key);
  if (slot === undefined) return undefined;
  if (slot.until <= Date.now()) return undefined;
  return slot.value;
};
const models = {
  // 1: awaited async function doing an lru get on a prefixed key built per call
  async m1(k) {
    return get(prefix + k).value;
  },
  // 2: + key escaping regex + max-length check
  async m2(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    return get(full).value;
  },
  // 3: + verdict check, freshness check with a second Date.now(), a { record, state } allocation
  async m3(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const now = Date.now();
    const record = get(full);
    let found;
    if (record.checked !== marks.version) {
      record.checked = marks.version;
    }
    if (record.verdict === 'stale') found = { record, state: 'stale' };
    else if (now < record.freshUntil) found = { record, state: 'fresh' };
    if (found?.state === 'fresh') return found.record.cloneOnRead ? null : found.record.value;
  },
  // 3a: m2 + a second Date.now()
  async m3a(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const now = Date.now();
    const record = get(full);
    if (now < record.freshUntil) return record.value;
  },
  // 3b: m2 + the verdict bookkeeping reads
  async m3b(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const record = get(full);
    if (record.checked !== marks.version) record.checked = marks.version;
    if (record.verdict === 'stale') return null;
    return record.value;
  },
  // 3c: m2 + the { record, state } allocation
  async m3c(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const record = get(full);
    const found = record.size > 0 ? { record, state: 'fresh' } : undefined;
    if (found?.state === 'fresh') return found.record.value;
  },
  // 1p: m1 with the full keys built once, ahead of time
  async m1p(k, _l, _o, i) {
    return get(prebuilt[i & 1023]).value;
  },
  // fix: m3b's reads (and one Date.now()) on an in-object class record stored without a wrapper
  async fix(k) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const now = Date.now();
    const record = lru2.get(full);
    if (record === undefined) return undefined;
    if (record.checked !== marks.version) record.checked = marks.version;
    if (record.verdict === 'stale') return null;
    if (now < record.freshUntil) {
      stats.hitsL1++;
      if (events.listenerCount('hit') > 0) events.emit('hit', { key: full });
      return record.cloneOnRead ? null : record.value;
    }
  },
  // 4: + the hit counter and listenerCount('hit'), + the options?.refreshAhead checks
  async m4(k, _loader, options) {
    const full = prefix + escapeRaw(k);
    if (full.length > 256) throw new Error();
    const now = Date.now();
    const record = get(full);
    let found;
    if (record.checked !== marks.version) record.checked = marks.version;
    if (record.verdict === 'stale') found = { record, state: 'stale' };
    else if (now < record.freshUntil) found = { record, state: 'fresh' };
    if (found?.state === 'fresh') {
      stats.hitsL1++;
      if (events.listenerCount('hit') > 0) events.emit('hit', { key: full });
      if ((options?.refreshAhead ?? 0) > 0 || (options?.earlyRefreshBeta ?? 0) > 0) throw new Error();
      return found.record.cloneOnRead ? null : found.record.value;
    }
  },
};
let fn;
if (models[step]) fn = models[step];
else {
  const cache = new TieredCache({ namespace: 'b', ttl: 600_000, l1: { maxEntries: 10_000, mutationSafe: false }, logger: { log() {}, warn() {}, error() {} } });
  for (let i = 0; i < 1024; i++) await cache.getOrSet(KEYS[i], async () => makeValue(i));
  fn = (k, l) => cache.getOrSet(k, l);
}
const loader = () => undefined;
let sink = 0;
const r = await throughput(async (n) => {
  for (let i = 0; i < n; i++) sink += (await fn(KEYS[i & 1023], loader, undefined, i)).id;
}, { clock: 'cpu' });
console.log(`${step.padEnd(10)} ${(r.opsPerSec / 1e6).toFixed(2)} M ops/CPU-s  rounds ${r.rounds.map((x) => (x / 1e6).toFixed(2)).join(' ')}`);
process.exit(0);
