import { Injectable, Scope, SetMetadata, UseGuards, type CanActivate, type OnApplicationBootstrap } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Cron, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { CacheEvict, CacheModule, CachePut, Cacheable, TieredCache } from '../src/index.js';
import { deferred, redisUrl, uniqueNamespace } from './support.js';

class AllowAll implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Injectable()
class AgentsService {
  readonly calls: string[] = [];
  readonly rows = new Map<number, { id: number; name: string } | null>([
    [1, { id: 1, name: 'ada' }],
    [2, { id: 2, name: 'bob' }],
  ]);

  @Cacheable()
  async byDefaultKey(id: number, filter?: { status: string }): Promise<string> {
    this.calls.push(`default:${id}:${filter?.status ?? ''}`);
    return `v${id}`;
  }

  @Cacheable({ key: (id: number) => ['agent', id], ttl: 60_000 })
  async find(id: number): Promise<{ id: number; name: string } | null> {
    this.calls.push(`find:${id}`);
    return this.rows.get(id) ?? null;
  }

  @Cacheable({ key: (id: number) => ['conditional', id], condition: (id: number) => id > 0 })
  async conditional(id: number): Promise<number> {
    this.calls.push(`conditional:${id}`);
    return id;
  }

  @Cacheable({ key: (id: number) => ['unless', id], unless: (result: number | null) => result === null })
  async unless(id: number): Promise<number | null> {
    this.calls.push(`unless:${id}`);
    return id > 0 ? id : null;
  }

  @CachePut({ key: (id: number) => ['agent', id] })
  async rename(id: number, name: string): Promise<{ id: number; name: string }> {
    this.calls.push(`rename:${id}`);
    const row = { id, name };
    this.rows.set(id, row);
    return row;
  }

  @CachePut({ key: (id: number) => ['uncached', id], ttl: 0 })
  async touchUncached(id: number): Promise<number> {
    return id;
  }

  @CacheEvict({ key: (id: number) => ['agent', id] })
  async remove(id: number, fail = false): Promise<void> {
    this.calls.push(`remove:${id}`);
    if (fail) throw new Error('delete failed');
    this.rows.set(id, null);
  }

  @CacheEvict({ key: (id: number) => ['agent', id], beforeInvocation: true })
  async removeEagerly(id: number): Promise<void> {
    throw new Error(`failed after evicting ${id}`);
  }

  @CacheEvict({ keys: (...ids: number[]) => ids.map((id) => ['agent', id]) })
  async removeMany(...ids: number[]): Promise<void> {
    for (const id of ids) this.rows.set(id, null);
  }

  @CacheEvict({ allEntries: true })
  async reset(): Promise<void> {}

  @Cacheable({ key: 'slow' })
  async slow(gate: Promise<string>): Promise<string> {
    this.calls.push('slow');
    return gate;
  }

  // Stacked with other decorators that keep metadata on the method.
  @SetMetadata('role', 'admin')
  @Cacheable({ key: 'stacked' })
  @UseGuards(AllowAll)
  async stacked(): Promise<string> {
    return this.constructor.name;
  }
}

async function start(namespace = uniqueNamespace('deco')): Promise<{ moduleRef: TestingModule; service: AgentsService; cache: TieredCache }> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } })],
    providers: [AgentsService],
  }).compile();
  await moduleRef.init();
  return { moduleRef, service: moduleRef.get(AgentsService), cache: moduleRef.get(TieredCache) };
}

describe('@Cacheable, @CachePut, @CacheEvict', () => {
  let moduleRef: TestingModule;
  let service: AgentsService;
  let cache: TieredCache;
  beforeEach(async () => ({ moduleRef, service, cache } = await start()));
  afterEach(() => moduleRef.close());

  it('caches by class, method and arguments by default', async () => {
    expect(await service.byDefaultKey(1, { status: 'a' })).toBe('v1');
    expect(await service.byDefaultKey(1, { status: 'a' })).toBe('v1');
    expect(await service.byDefaultKey(1, { status: 'b' })).toBe('v1');
    expect(await service.byDefaultKey(2)).toBe('v2');
    expect(service.calls).toEqual(['default:1:a', 'default:1:b', 'default:2:']);
    expect(await cache.has(['AgentsService', 'byDefaultKey', 2])).toBe(true);
  });

  it('uses a key function of the arguments, and caches null results', async () => {
    expect(await service.find(1)).toEqual({ id: 1, name: 'ada' });
    expect(await service.find(1)).toEqual({ id: 1, name: 'ada' });
    expect(await service.find(9)).toBeNull();
    expect(await service.find(9)).toBeNull();
    expect(service.calls).toEqual(['find:1', 'find:9']);
    expect(await cache.get(['agent', 1])).toEqual({ id: 1, name: 'ada' });
  });

  it('bypasses the cache when condition is false', async () => {
    await service.conditional(1);
    await service.conditional(1);
    await service.conditional(-1);
    await service.conditional(-1);
    expect(service.calls).toEqual(['conditional:1', 'conditional:-1', 'conditional:-1']);
  });

  it('returns but does not store results that unless rejects', async () => {
    await service.unless(-1);
    await service.unless(-1);
    await service.unless(3);
    await service.unless(3);
    expect(service.calls).toEqual(['unless:-1', 'unless:-1', 'unless:3']);
  });

  it('@CachePut always runs the method and writes its result through', async () => {
    await service.find(1);
    await service.rename(1, 'grace');
    await service.rename(1, 'grace');
    expect(await service.find(1)).toEqual({ id: 1, name: 'grace' });
    expect(service.calls).toEqual(['find:1', 'rename:1', 'rename:1']);
  });

  it('@CachePut stores with its own options on every call (ttl 0: nothing)', async () => {
    for (const id of [1, 2]) {
      expect(await service.touchUncached(id)).toBe(id);
      expect(await cache.has(['uncached', id])).toBe(false);
    }
  });

  it('@CacheEvict evicts after success, and not when the method throws', async () => {
    await service.find(2);
    await expect(service.remove(2, true)).rejects.toThrow('delete failed');
    expect(await cache.has(['agent', 2])).toBe(true);
    await service.remove(2);
    expect(await cache.has(['agent', 2])).toBe(false);
    expect(await service.find(2)).toBeNull();
  });

  it('@CacheEvict with beforeInvocation evicts even when the method throws', async () => {
    await service.find(1);
    await expect(service.removeEagerly(1)).rejects.toThrow('failed after evicting 1');
    expect(await cache.has(['agent', 1])).toBe(false);
  });

  it('@CacheEvict evicts several keys, or everything', async () => {
    await Promise.all([service.find(1), service.find(2), service.byDefaultKey(5)]);
    await service.removeMany(1, 2);
    expect(await cache.getMany([['agent', 1], ['agent', 2]])).toEqual(new Map());
    expect(await cache.has(['AgentsService', 'byDefaultKey', 5])).toBe(true);
    await service.reset();
    expect(await cache.has(['AgentsService', 'byDefaultKey', 5])).toBe(false);
  });

  it('shares one execution between concurrent calls', async () => {
    const gate = deferred<string>();
    const calls = Array.from({ length: 20 }, () => service.slow(gate.promise));
    gate.resolve('done');
    expect(await Promise.all(calls)).toEqual(Array(20).fill('done'));
    expect(service.calls).toEqual(['slow']);
  });

  it('keeps `this`, the method name and other decorators’ metadata', async () => {
    expect(await service.stacked()).toBe('AgentsService');
    const method = AgentsService.prototype.stacked;
    expect(method.name).toBe('stacked');
    expect(Reflect.getMetadata('role', method)).toBe('admin');
    expect(Reflect.getMetadata('__guards__', method)).toEqual([AllowAll]);
  });
});

describe('binding to the right application', () => {
  it('keeps two applications in one process on their own caches', async () => {
    const a = await start();
    const b = await start();
    await a.service.find(1);
    await b.service.find(1);
    expect(await a.cache.has(['agent', 1])).toBe(true);
    expect(await b.cache.has(['agent', 1])).toBe(true);
    expect(a.service.calls).toEqual(['find:1']);
    expect(b.service.calls).toEqual(['find:1']);
    await a.moduleRef.close();
    await b.moduleRef.close();
  });

  it('fails loudly, saying what to do, on an object Nest did not create and that holds no cache', async () => {
    const manual = new AgentsService();
    await expect(manual.find(1)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringContaining('@Cacheable AgentsService.find'),
    });
    await expect(manual.find(1)).rejects.toThrow(/createTestingCache/);
    expect(manual.calls).toEqual([]);
  });

  it('works for request-scoped providers', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      static loads = 0;
      @Cacheable({ key: 'per-request' })
      async load(): Promise<number> {
        return ++PerRequest.loads;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('req'), l2: false })],
      providers: [PerRequest],
    }).compile();
    await moduleRef.init();
    const first = await moduleRef.resolve(PerRequest, { id: 1 });
    const second = await moduleRef.resolve(PerRequest, { id: 2 });
    expect(first).not.toBe(second);
    expect(await first.load()).toBe(1);
    expect(await second.load()).toBe(1);
    await moduleRef.close();
  });

  it('fails at startup when a decorator names a cache the module does not define', async () => {
    @Injectable()
    class Misconfigured {
      @Cacheable({ cache: 'nope' })
      async load(): Promise<number> {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ l2: false })],
      providers: [Misconfigured],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/Misconfigured.load uses the cache "nope"/);
    await moduleRef.close();
  });
});

describe('initialisation order', () => {
  it('caches calls made from onApplicationBootstrap (a warmer)', async () => {
    @Injectable()
    class Warmer implements OnApplicationBootstrap {
      constructor(private readonly agents: AgentsService) {}
      async onApplicationBootstrap(): Promise<void> {
        await this.agents.find(1);
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('boot'), l2: false })],
      providers: [AgentsService, Warmer],
    }).compile();
    await moduleRef.init();
    const agents = moduleRef.get(AgentsService);
    await agents.find(1);
    expect(agents.calls).toEqual(['find:1']);
    await moduleRef.close();
  });

  it('caches a method stacked with @Cron when the scheduler runs it', async () => {
    @Injectable()
    class Reports {
      runs = 0;
      @Cron('0 0 1 1 *', { name: 'nightly' })
      @Cacheable({ key: 'nightly' })
      async nightly(): Promise<number> {
        return ++this.runs;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ScheduleModule.forRoot(), CacheModule.forRoot({ namespace: uniqueNamespace('cron'), l2: false })],
      providers: [Reports],
    }).compile();
    await moduleRef.init();
    const job = moduleRef.get(SchedulerRegistry).getCronJob('nightly');
    await job.fireOnTick();
    await job.fireOnTick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(moduleRef.get(Reports).runs).toBe(1);
    expect(await moduleRef.get(TieredCache).get('nightly')).toBe(1);
    await moduleRef.close();
  });
});
