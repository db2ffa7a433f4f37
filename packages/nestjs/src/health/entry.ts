// The package entry point of `@tiercache/nestjs/health` (index.ts holds the exports, and the types).
// Its peer is checked before the modules that import it are linked, so a missing one is named.
import { loadPeer } from '../peers.js';

await loadPeer('@nestjs/terminus', '@tiercache/nestjs/health');
const health = await import('./index.js');

export const { CacheHealthIndicator, CacheHealthModule } = health;
