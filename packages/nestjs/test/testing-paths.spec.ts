import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createTestingCache } from '@tiercache/core/testing';
import { Cacheable, CacheEvict, InjectCache, TieredCache, WithLock } from '../src/index.js';
import { CacheTestingModule } from '../src/testing/index.js';

class Db {
  reads = 0;
  async find(id: number): Promise<string> {
    this.reads++;
    return `agent ${id}`;
  }
}

@Injectable()
class AgentsService {
  constructor(
    readonly db: Db,
    readonly cache: TieredCache,
  ) {}

  @Cacheable({ key: (id: number) => ['agent', id] })
  async find(id: number): Promise<string> {
    return this.db.find(id);
  }

  @CacheEvict({ key: (id: number) => ['agent', id] })
  async forget(id: number): Promise<void> {
    void id;
  }

  @WithLock('agents')
  async exclusive(): Promise<string> {
    return 'locked';
  }
}

@Injectable()
class ReportsService {
  constructor(@InjectCache('reports') readonly reports: TieredCache) {}
  loads = 0;

  @Cacheable({ key: 'report', cache: 'reports' })
  async report(): Promise<number> {
    return ++this.loads;
  }
}

/** Calls a cached method from its own onModuleInit, before CacheModule's explorer has run. */
@Injectable()
class EarlyCaller implements OnModuleInit {
  constructor(readonly agents: AgentsService) {}
  async onModuleInit(): Promise<void> {
    await this.agents.find(7);
  }
}

describe('the documented testing paths cache as in production', () => {
  it('Test.createTestingModule(...).compile() then get(), without init()', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheTestingModule.forRoot({ caches: { reports: {} } })],
      providers: [Db, AgentsService, ReportsService],
    }).compile();
    try {
      const agents = moduleRef.get(AgentsService);
      expect(await agents.find(1)).toBe('agent 1');
      expect(await agents.find(1)).toBe('agent 1');
      expect(moduleRef.get(Db).reads).toBe(1);
      expect(await moduleRef.get(TieredCache).get(['agent', 1])).toBe('agent 1');
      await agents.forget(1);
      await agents.find(1);
      expect(moduleRef.get(Db).reads).toBe(2);
      expect(await agents.exclusive()).toBe('locked');
      const reports = moduleRef.get(ReportsService);
      expect([await reports.report(), await reports.report()]).toEqual([1, 1]);
    } finally {
      await moduleRef.close();
    }
  });

  it('caches a call made from another provider’s onModuleInit', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheTestingModule.forRoot()],
      providers: [Db, AgentsService, EarlyCaller],
    }).compile();
    await moduleRef.init();
    try {
      await moduleRef.get(AgentsService).find(7);
      expect(moduleRef.get(Db).reads).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });

  it('new Service(db, createTestingCache()) uses the cache it was given', async () => {
    const db = new Db();
    const cache = createTestingCache();
    const agents = new AgentsService(db, cache);
    expect(await agents.find(2)).toBe('agent 2');
    expect(await agents.find(2)).toBe('agent 2');
    expect(db.reads).toBe(1);
    expect(await cache.get(['agent', 2])).toBe('agent 2');
    expect(await agents.exclusive()).toBe('locked');
    // A second instance with its own cache is not served from the first one's.
    const other = new AgentsService(db, createTestingCache());
    await other.find(2);
    expect(db.reads).toBe(2);
    await cache.close();
  });

  it('uses the single cache an object holds for the named cache its decorators use', async () => {
    const reports = new ReportsService(createTestingCache());
    expect([await reports.report(), await reports.report()]).toEqual([1, 1]);
  });
});
