import type { CacheKey } from '@tiercache/core';
import { invalidArgument } from '../errors.js';
import type { InvalidationTargets } from '../decorators/invalidate-on.js';

function isTagList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((tag) => typeof tag === 'string' && tag.length > 0);
}

/** What a handler returned, as tags and keys; a bad shape is an error of the handler, named by `source`. */
export function normalizeTargets(returned: InvalidationTargets, source: string): { tags: readonly string[]; keys: readonly CacheKey[] } {
  if (returned === undefined || returned === null) return { tags: [], keys: [] };
  if (typeof returned === 'string' && returned.length > 0) return { tags: [returned], keys: [] };
  if (isTagList(returned)) return { tags: returned, keys: [] };
  if (typeof returned === 'object' && !Array.isArray(returned)) {
    const { tags = [], keys = [], ...rest } = returned as { tags?: unknown; keys?: unknown };
    if (Object.keys(rest).length === 0 && isTagList(tags) && Array.isArray(keys)) return { tags, keys: keys as CacheKey[] };
  }
  throw invalidArgument(
    `invalidation of ${source}`,
    `expected a tag, an array of tags or { tags, keys } from the event handler, got ${JSON.stringify(returned)}`,
  );
}
