import { Injectable, Module, type Provider } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheModule, CachePut, Cacheable, TieredCache } from '@tiercache/nestjs';
import { AbsentKeyFilter, AbsentKeyFilters, AbsentKeysModule, InjectAbsentKeyFilter } from '@tiercache/nestjs/absent-keys';
import { AbsentKeyFilterHealthIndicator } from '@tiercache/nestjs/absent-keys/health';
import { registerAbsentKeyMetrics } from '@tiercache/nestjs/absent-keys/prometheus';
import { CacheTestingModule } from '@tiercache/nestjs/testing';
import { CacheWarmer, WarmersModule, type WarmerContext } from '@tiercache/nestjs/warmers';
import { Registry } from 'prom-client';
import { redisUrl, uniqueNamespace } from '../support.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, verbose: () => undefined };

/** The source of truth, shared by the instances of a test. */
class Database {
  readonly agents = new Map<number, { id: number; name: string }>();
  queries = 0;
}

@Injectable()
class AgentsService {
  constructor(
    readonly db: Database,
    @InjectAbsentKeyFilter('agents') readonly filter: AbsentKeyFilter,
  ) {}

  @Cacheable({ key: (id: number) => ['agent', id], absentKeys: 'agents' })
  async findById(id: number): Promise<{ id: number; name: string } | null> {
    this.db.queries++;
    return this.db.agents.get(id) ?? null;
  }

  @CachePut({ key: (id: number) => ['agent', id], absentKeys: 'agents' })
  async create(id: number, name: string): Promise<{ id: number; name: string }> {
    const agent = { id, name };
    this.db.agents.set(id, agent);
    return agent;
  }

  @CacheWarmer({ name: 'agents-filter', runOnStartup: true })
  async rebuildFilter(ctx: WarmerContext): Promise<void> {
    await this.filter.rebuild(() => [...this.db.agents.keys()].map((id) => ['agent', id]), { signal: ctx.signal, onProgress: ctx.progress });
  }
}

async function instance(namespace: string, db: Database, providers: Provider[] = [AgentsService]): Promise<TestingModule> {
  @Module({ providers: [{ provide: Database, useValue: db }], exports: [Database] })
  class DatabaseModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({ isGlobal: true, namespace, l2: { redis: redisUrl() } }),
      WarmersModule.forRoot({ startup: 'await' }),
      AbsentKeysModule.register({ name: 'agents', expectedItems: 1_000 }),
      DatabaseModule,
    ],
    providers: [...providers, AbsentKeyFilterHealthIndicator, HealthIndicatorService],
  })
    .setLogger(silent)
    .compile();
  try {
    return await moduleRef.init();
  } catch (error) {
    await moduleRef.close();
    throw error;
  }
}

describe('AbsentKeysModule', () => {
  const open: TestingModule[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
  });

  it('skips @Cacheable methods for ids that do not exist, and finds ids created on another instance', async () => {
    const namespace = uniqueNamespace('absent');
    const db = new Database();
    db.agents.set(1, { id: 1, name: 'ada' });
    const first = await instance(namespace, db);
    open.push(first);
    const second = await instance(namespace, db);
    open.push(second);
    const here = first.get(AgentsService);
    expect(await here.findById(1)).toEqual({ id: 1, name: 'ada' });
    expect(db.queries).toBe(1);
    expect(await here.findById(404)).toBeNull();
    expect(db.queries).toBe(1);

    await second.get(AgentsService).create(2, 'bob');
    await first.get(TieredCache).delete(['agent', 2]);
    expect(await here.findById(2)).toEqual({ id: 2, name: 'bob' });
    expect(db.queries).toBe(2);
    expect((await here.filter.stats()).skipped).toBe(1);
  });

  it('reports fill and estimated false-positive rate in health and Prometheus metrics', async () => {
    const db = new Database();
    for (let id = 0; id < 100; id++) db.agents.set(id, { id, name: `a${id}` });
    const moduleRef = await instance(uniqueNamespace('absent'), db);
    open.push(moduleRef);
    const health = await moduleRef.get(AbsentKeyFilterHealthIndicator).isHealthy('agents', { filter: 'agents' });
    expect(health.agents).toMatchObject({ status: 'up', built: true, items: 100, fill: expect.any(Number) });
    expect(health.agents.estimatedFalsePositiveRate).toBeLessThan(0.02);
    const registry = new Registry();
    const unregister = registerAbsentKeyMetrics(registry, moduleRef.get(AbsentKeyFilters));
    const text = await registry.metrics();
    expect(text).toMatch(/tiercache_absent_key_filter_fill\{filter="agents"\} 0\.\d+/);
    expect(text).toMatch(/tiercache_absent_key_filter_false_positive_rate\{filter="agents"\} /);
    unregister();
  });

  it('fails startup when a method names a filter its cache does not have', async () => {
    @Injectable()
    class Typo {
      @Cacheable({ key: (id: number) => ['agent', id], absentKeys: 'agnets' })
      async find(id: number): Promise<number> {
        return id;
      }
    }
    await expect(instance(uniqueNamespace('absent'), new Database(), [Typo])).rejects.toThrow(
      /`@Cacheable\(Typo\.find\)\.absentKeys`: no absent-key filter "agnets" is registered on this method's cache \(registered there: agents\)/,
    );
  });

  it('works under CacheTestingModule, in memory: every key loads until a rebuild', async () => {
    @Injectable()
    class Lookup {
      loads = 0;
      constructor(@InjectAbsentKeyFilter('ids') readonly filter: AbsentKeyFilter) {}
      @Cacheable({ key: (id: number) => ['id', id], absentKeys: 'ids', ttl: 0 })
      async find(id: number): Promise<number> {
        this.loads++;
        return id;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheTestingModule.forRoot(), AbsentKeysModule.register({ name: 'ids', expectedItems: 10 })],
      providers: [Lookup],
    })
      .setLogger(silent)
      .compile();
    open.push(await moduleRef.init());
    const lookup = moduleRef.get(Lookup);
    expect(await lookup.find(1)).toBe(1);
    await lookup.filter.rebuild(() => [['id', 2]]);
    expect(await lookup.find(1)).toBeNull();
    expect(await lookup.find(2)).toBe(2);
    expect(lookup.loads).toBe(2);
  });

  it('refuses unknown module options, naming them', async () => {
    await expect(
      Test.createTestingModule({
        imports: [CacheModule.forRoot({ isGlobal: true, l2: false }), AbsentKeysModule.register({ name: 'x', expectedItems: 10, falsePositiveRat: 0.1 } as never)],
      })
        .setLogger(silent)
        .compile(),
    ).rejects.toThrow(/AbsentKeysModule\(x\)\.falsePositiveRat/);
  });
});
