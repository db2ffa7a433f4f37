/** Token of a write-behind registered by name; `@InjectWriteBehind(name)` injects it. */
export function getWriteBehindToken(name: string): string {
  return `TIERCACHE:write-behind:${name}`;
}
