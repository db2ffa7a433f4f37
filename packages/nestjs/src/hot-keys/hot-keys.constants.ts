/** Token of the predictive warming of a cache (`default` for the default cache); `@InjectHotKeys(cache)` injects it. */
export function getHotKeysToken(cache = 'default'): string {
  return `TIERCACHE:hot-keys:${cache}`;
}
