// The package entry point of `@tiercache/nestjs/metrics/opentelemetry` (index.ts holds the exports and types).
// Its peer is checked before the modules that import it are linked, so a missing one is named.
import { loadPeer } from '../../peers.js';

await loadPeer('@opentelemetry/api', '@tiercache/nestjs/metrics/opentelemetry');
const opentelemetry = await import('./index.js');

export const { OpenTelemetryExporter } = opentelemetry;
