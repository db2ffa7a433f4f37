export { registerWriteBehindOpenTelemetry } from './write-behind-opentelemetry.js';
