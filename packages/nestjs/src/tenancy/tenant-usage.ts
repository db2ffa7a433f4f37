import type { TieredCache } from '@tiercache/core';

export interface TenantUsageRow {
  /** A tenant id, or `other` for every tenant outside the top N. */
  tenant: string;
  hits: number;
  misses: number;
  loads: number;
}

type Counts = Omit<TenantUsageRow, 'tenant'>;
const OTHER = 'other';

/**
 * Per-tenant counters with bounded cardinality, for a metrics label: a few tenants times the
 * tracking factor are counted individually, everything else (and every tenant first seen once the
 * map is full) goes to `other`, so a flood of tenant ids cannot grow memory or label sets.
 */
export class TenantUsage {
  readonly #counts = new Map<string, Counts>();
  readonly #other: Counts = { hits: 0, misses: 0, loads: 0 };
  readonly #maxTracked: number;
  readonly #detach: () => void;

  constructor(
    cache: TieredCache,
    /** The prefix of the per-tenant namespaces: `<prefix><tenant>|`. */
    readonly tenantsPrefix: string,
    readonly topTenants: number,
  ) {
    this.#maxTracked = Math.max(100, topTenants * 10);
    const on = (field: keyof Counts) => (event: { key: string }) => this.#count(event.key, field);
    const hit = on('hits');
    const miss = on('misses');
    const load = on('loads');
    cache.events.on('hit', hit);
    cache.events.on('miss', miss);
    cache.events.on('load', load);
    this.#detach = () => {
      cache.events.off('hit', hit);
      cache.events.off('miss', miss);
      cache.events.off('load', load);
    };
  }

  /** The top tenants by traffic, each with its own row, then one `other` row for the rest. */
  snapshot(): TenantUsageRow[] {
    const rows = [...this.#counts].map(([tenant, counts]) => ({ tenant, ...counts }));
    rows.sort((a, b) => b.hits + b.misses + b.loads - (a.hits + a.misses + a.loads));
    const other = { tenant: OTHER, ...this.#other };
    for (const row of rows.slice(this.topTenants)) {
      other.hits += row.hits;
      other.misses += row.misses;
      other.loads += row.loads;
    }
    return [...rows.slice(0, this.topTenants), other];
  }

  close(): void {
    this.#detach();
  }

  #count(key: string, field: keyof Counts): void {
    if (!key.startsWith(this.tenantsPrefix)) return;
    const end = key.indexOf('|', this.tenantsPrefix.length);
    if (end < 0) return;
    const tenant = decode(key.slice(this.tenantsPrefix.length, end));
    let counts = this.#counts.get(tenant);
    if (counts === undefined) {
      if (this.#counts.size >= this.#maxTracked) {
        this.#other[field]++;
        return;
      }
      counts = { hits: 0, misses: 0, loads: 0 };
      this.#counts.set(tenant, counts);
    }
    counts[field]++;
  }
}

/** Names in prefixes are %-escaped (see the core's key builder); labels show them as written. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
