import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AbsentKeyFilter, TieredCache } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { bindFilter, unbindFilter } from './filter-binding.js';

/** Every absent-key filter of the application, by name, for health checks and metrics. */
@Injectable()
export class AbsentKeyFilters implements OnApplicationShutdown {
  readonly #filters = new Map<string, { filter: AbsentKeyFilter; cache: TieredCache }>();

  add(filter: AbsentKeyFilter, cache: TieredCache): void {
    if (this.#filters.has(filter.name)) throw invalidOption('AbsentKeysModule.name', `an absent-key filter named "${filter.name}" is registered already`);
    bindFilter(cache, filter);
    this.#filters.set(filter.name, { filter, cache });
  }

  names(): string[] {
    return [...this.#filters.keys()];
  }

  /** Throws for a name no module registered. */
  get(name: string): AbsentKeyFilter {
    const found = this.#filters.get(name);
    if (found === undefined) throw invalidOption('filter', `no absent-key filter is named "${name}" (registered: ${this.names().join(', ') || 'none'})`);
    return found.filter;
  }

  onApplicationShutdown(): void {
    for (const { filter, cache } of this.#filters.values()) {
      filter.close();
      unbindFilter(cache, filter);
    }
  }
}
