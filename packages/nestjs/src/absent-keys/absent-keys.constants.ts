/** Token of an absent-key filter registered by name; `@InjectAbsentKeyFilter(name)` injects it. */
export function getAbsentKeyFilterToken(name: string): string {
  return `TIERCACHE:absent-keys:${name}`;
}
