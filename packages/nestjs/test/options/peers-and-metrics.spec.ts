import { CacheMetricsModule } from '@tiercache/nestjs/metrics';
import { OpenTelemetryExporter } from '@tiercache/nestjs/metrics/opentelemetry';
import { PrometheusExporter } from '@tiercache/nestjs/metrics/prometheus';
import { loadPeer } from '../../src/peers.js';

describe('optional peers', () => {
  it('names the package to install when an optional peer is missing', async () => {
    await expect(loadPeer('@tiercache/not-installed-peer', 'Scheduled warmers')).rejects.toMatchObject({
      code: 'E_INVALID_OPTION',
      message: 'Scheduled warmers requires the optional peer dependency @tiercache/not-installed-peer, which is not installed. ' +
        'Run: npm install @tiercache/not-installed-peer',
    });
  });

  it('loads a peer that is installed', async () => {
    await expect(loadPeer<{ Registry: unknown }>('prom-client', 'x')).resolves.toHaveProperty('Registry');
  });
});

describe('metrics options', () => {
  it('rejects misspelt metrics options with a suggestion', () => {
    expect(() => CacheMetricsModule.forRoot({ bucketMs: [1] } as never)).toThrow(/`CacheMetricsModule\.forRoot\.bucketMs`.*Did you mean `bucketsMs`\?/);
    expect(() => CacheMetricsModule.forRoot({ exporter: [] } as never)).toThrow(/Did you mean `exporters`\?/);
    expect(() => new PrometheusExporter({ prefx: 'x_' } as never)).toThrow(/`PrometheusExporter\.prefx`.*`prefix`/);
    expect(() => new OpenTelemetryExporter({ metre: undefined } as never)).toThrow(/`OpenTelemetryExporter\.metre`.*`meter`/);
  });
});
