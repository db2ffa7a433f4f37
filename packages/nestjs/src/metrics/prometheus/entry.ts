// The package entry point of `@tiercache/nestjs/metrics/prometheus` (index.ts holds the exports and types).
// Its peer is checked before the modules that import it are linked, so a missing one is named.
import { loadPeer } from '../../peers.js';

await loadPeer('prom-client', '@tiercache/nestjs/metrics/prometheus');
const prometheus = await import('./index.js');

export const { PrometheusExporter } = prometheus;
