import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { createNoopMeter, type Attributes, type Meter, type MetricOptions } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { Cacheable, CacheModule } from '@tiercache/nestjs';
import { CacheMetrics, CacheMetricsModule, type MetricsExporter } from '@tiercache/nestjs/metrics';
import { OpenTelemetryExporter } from '@tiercache/nestjs/metrics/opentelemetry';
import { PrometheusExporter } from '@tiercache/nestjs/metrics/prometheus';
import { redisUrl, uniqueNamespace } from '../support.js';

@Injectable()
class Agents {
  @Cacheable({ key: (id: number) => ['agent', id] })
  async find(id: number): Promise<{ id: number }> {
    return { id };
  }

  @Cacheable({ cache: 'reports', key: (id: number) => ['report', id] })
  async report(id: number): Promise<string> {
    if (id < 0) throw new Error('no such report');
    return `report ${id}`;
  }
}

interface Recorded {
  instrument: string;
  kind: 'counter' | 'histogram';
  value: number;
  attributes: Attributes;
  options?: MetricOptions;
}

/** The two instrument kinds the exporter uses, recording every call; the rest stays no-op. */
function recordingMeter(): { meter: Meter; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const meter = Object.assign(createNoopMeter(), {
    createCounter: (instrument: string, options?: MetricOptions) => ({
      add: (value: number, attributes: Attributes = {}) => recorded.push({ instrument, kind: 'counter', value, attributes, options }),
    }),
    createHistogram: (instrument: string, options?: MetricOptions) => ({
      record: (value: number, attributes: Attributes = {}) =>
        recorded.push({ instrument, kind: 'histogram', value, attributes, options }),
    }),
  });
  return { meter, recorded };
}

describe('CacheMetricsModule', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function start(exporters: MetricsExporter[] = []): Promise<Agents> {
    moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({ namespace: uniqueNamespace('metrics'), l2: { redis: redisUrl() }, caches: { reports: { ttl: 5_000 } } }),
        CacheMetricsModule.forRoot({ exporters }),
      ],
      providers: [Agents],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(Agents);
  }

  it('collects per cache and per decorated method from every cache of CacheModule', async () => {
    const agents = await start();
    await agents.find(1);
    await agents.find(1);
    await agents.report(7);
    await expect(agents.report(-1)).rejects.toThrow('no such report');

    const snapshot = moduleRef!.get(CacheMetrics).snapshot();
    expect(snapshot.default).toMatchObject({ misses: 1, hitsL1: 1, loads: 1 });
    expect(snapshot.default!.labels['Agents.find']).toMatchObject({ misses: 1, hitsL1: 1 });
    // `reports` is a namespace of the default cache: its reads must not be counted twice.
    expect(snapshot.reports).toMatchObject({ misses: 2, hitsL1: 0, loads: 2, loadErrors: 1 });
    expect(snapshot.reports!.labels['Agents.report']).toMatchObject({ loads: 2, loadErrors: 1 });
    expect(snapshot.default!.labels['Agents.report']).toBeUndefined();
  });

  it('exposes Prometheus text through prom-client, and unregisters on shutdown', async () => {
    const registry = new Registry();
    const agents = await start([new PrometheusExporter({ registry })]);
    await agents.find(1);
    await agents.find(1);
    await expect(agents.report(-1)).rejects.toThrow();

    const text = await registry.metrics();
    expect(text).toContain('tiercache_hits_total{cache="default",tier="l1",label="Agents.find"} 1');
    expect(text).toContain('tiercache_misses_total{cache="default",label="Agents.find"} 1');
    expect(text).toContain('tiercache_load_errors_total{cache="reports",label="Agents.report"} 1');
    expect(text).toContain('tiercache_load_duration_seconds_count{cache="default",label="Agents.find"} 1');
    expect(text).toMatch(/tiercache_load_duration_seconds_bucket\{le="0\.001",cache="default",label="Agents\.find"\} \d/);

    await moduleRef!.close();
    moduleRef = undefined;
    expect(await registry.metrics()).not.toContain('tiercache_');
  });

  it('records OpenTelemetry counters and second-based histograms on the given meter', async () => {
    const { meter, recorded } = recordingMeter();
    const agents = await start([new OpenTelemetryExporter({ meter })]);
    await agents.find(2);
    await agents.find(2);

    const hit = recorded.find((r) => r.instrument === 'tiercache.cache.hits');
    expect(hit).toMatchObject({ kind: 'counter', value: 1, attributes: { cache: 'default', tier: 'l1', label: 'Agents.find' } });
    const duration = recorded.find((r) => r.instrument === 'tiercache.loader.duration');
    expect(duration).toMatchObject({ kind: 'histogram', attributes: { cache: 'default', label: 'Agents.find' } });
    expect(duration!.options).toMatchObject({ unit: 's', advice: { explicitBucketBoundaries: expect.arrayContaining([0.001, 10]) } });
    expect(recorded.filter((r) => r.instrument === 'tiercache.cache.misses')).toHaveLength(1);
  });
});
