import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { ErrorCode } from '@tiercache/core';
import { CacheModule, CacheTags, Cacheable, TieredCache } from '@tiercache/nestjs';
import { CacheEventsModule, EventInvalidations, type CacheEventsModuleOptions } from '@tiercache/nestjs/events';
import { redisUrl, uniqueNamespace } from '../support.js';

/** Stands in for the database both instances share. */
const names = new Map<number, string>();

@Injectable()
class AgentsService {
  loads = 0;

  @Cacheable({
    key: (id: number) => ['agent', id],
    invalidateOn: {
      'agent.updated': (event: { id: number }) => [`agent:${event.id}`],
      'agent.bad': () => ({ tagz: ['x'] }) as never,
      'agent.throws': () => {
        throw new Error('handler bug');
      },
    },
  })
  @CacheTags((id: number) => `agent:${id}`)
  async find(id: number): Promise<{ id: number; name: string }> {
    this.loads++;
    return { id, name: names.get(id) ?? '?' };
  }

  @Cacheable({ key: 'count', cache: 'lists' })
  async count(): Promise<number> {
    this.loads++;
    return names.size;
  }
}

const moduleMap: CacheEventsModuleOptions = {
  invalidate: {
    // Keys, as the method's key function builds them, and tags in a named cache.
    'agent.renamed': { keys: (event: { id: number }) => [['agent', event.id]] },
    'agent.created': [{ cache: 'lists', keys: ['count'] }, { tags: (event: { id: number }) => `agent:${event.id}` }],
  },
};

const open: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
});

async function instance(namespace: string, events: CacheEventsModuleOptions = moduleMap): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot(),
      CacheModule.forRoot({ namespace, l2: { redis: redisUrl() }, caches: { lists: {} } }),
      CacheEventsModule.forRoot(events),
    ],
    providers: [AgentsService],
  }).compile();
  open.push(moduleRef);
  await moduleRef.init();
  expect(await moduleRef.get(TieredCache).ready()).toBe(true);
  return moduleRef;
}

/** Emits on `moduleRef` and waits for its `messages` invalidations to be applied and heard by `other`. */
async function emitAndDeliver(moduleRef: TestingModule, other: TestingModule, event: string, payload: unknown, messages = 1): Promise<void> {
  const delivered = new Promise<void>((resolve) => {
    let heard = 0;
    other.get(TieredCache).events.on('remote', () => ++heard === messages && resolve());
  });
  moduleRef.get(EventEmitter2).emit(event, payload);
  await moduleRef.get(EventInvalidations).idle();
  await delivered;
}

describe('event-driven invalidation', () => {
  it("invalidates from @Cacheable({ invalidateOn }) on the instance that emits and, through the bus, on the others", async () => {
    names.set(1, 'Ada');
    const namespace = uniqueNamespace('events');
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const [agentsA, agentsB] = [a.get(AgentsService), b.get(AgentsService)];
    expect(await agentsB.find(1)).toEqual({ id: 1, name: 'Ada' });
    expect(await agentsA.find(1)).toEqual({ id: 1, name: 'Ada' });
    expect(agentsA.loads + agentsB.loads).toBe(1);

    names.set(1, 'Grace');
    await emitAndDeliver(a, b, 'agent.updated', { id: 1 });

    expect(await agentsB.find(1)).toEqual({ id: 1, name: 'Grace' });
    expect(await agentsA.find(1)).toEqual({ id: 1, name: 'Grace' });
    expect(a.get(EventInvalidations).stats()).toEqual({ invalidated: 1, failed: 0 });
  });

  it('applies the module map: keys, tags, and several caches for one event', async () => {
    names.set(2, 'Linus');
    const namespace = uniqueNamespace('events-map');
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const agentsB = b.get(AgentsService);
    await agentsB.find(2);
    const before = await agentsB.count();
    names.set(2, 'Ken');
    await emitAndDeliver(a, b, 'agent.renamed', { id: 2 });
    expect(await agentsB.find(2)).toEqual({ id: 2, name: 'Ken' });

    names.set(3, 'Barbara');
    const applied = new Promise<unknown[]>((resolve) => {
      const seen: unknown[] = [];
      a.get(EventInvalidations).events.on('invalidated', (event) => seen.push(event) === 2 && resolve(seen));
    });
    await emitAndDeliver(a, b, 'agent.created', { id: 3 }, 2);
    expect(await applied).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'agent.created', cache: 'lists', keys: 1 }),
        expect.objectContaining({ event: 'agent.created', cache: 'default', tags: ['agent:3'] }),
      ]),
    );
    expect(await agentsB.count()).toBe(before + 1);
  });

  it('logs, counts and emits a failing handler, and never throws into the code that emitted', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const a = await instance(uniqueNamespace('events-fail'));
      const failures: { source: string; error: Error }[] = [];
      a.get(EventInvalidations).events.on('failed', (failure) => failures.push(failure));
      const emitter = a.get(EventEmitter2);
      expect(() => emitter.emit('agent.throws', {})).not.toThrow();
      await expect(emitter.emitAsync('agent.bad', {})).resolves.toBeDefined();
      await a.get(EventInvalidations).idle();

      expect(a.get(EventInvalidations).stats()).toEqual({ invalidated: 0, failed: 2 });
      expect(failures.map((failure) => failure.source)).toEqual([
        "@Cacheable(AgentsService.find).invalidateOn['agent.throws']",
        "@Cacheable(AgentsService.find).invalidateOn['agent.bad']",
      ]);
      expect(failures[0]!.error.message).toBe('handler bug');
      expect(failures[1]!.error).toMatchObject({ code: ErrorCode.InvalidArgument, message: expect.stringContaining('tagz') });
      const logged = errors.mock.calls.map(([message]) => String(message));
      expect(logged.filter((line) => line.includes('agent.throws') && line.includes('handler bug'))).toHaveLength(1);
    } finally {
      errors.mockRestore();
    }
  });
});

describe('event-driven invalidation: startup checks', () => {
  it('rejects an invalidateOn that is not a map of functions, naming the method and the event', () => {
    const decorate = (invalidateOn: unknown) => () => {
      class Broken {
        @Cacheable({ invalidateOn: invalidateOn as never })
        async load(): Promise<number> {
          return 1;
        }
      }
      return Broken;
    };
    expect(decorate({ 'agent.updated': ['agent:1'] })).toThrow(/`@Cacheable\(Broken\.load\)\.invalidateOn\['agent\.updated'\]`: expected a function/);
    expect(decorate([])).toThrow(/`@Cacheable\(Broken\.load\)\.invalidateOn`/);
  });

  it('rejects unknown keys and bad shapes of the module map where it is declared', () => {
    expect(() => CacheEventsModule.forRoot({ invalidat: {} } as never)).toThrow(/`CacheEventsModule\.forRoot\.invalidat`: unknown option\. Did you mean `invalidate`\?/);
    expect(() => CacheEventsModule.forRoot({ invalidate: { 'a.b': [{ tgas: ['x'] } as never] } })).toThrow(
      /`CacheEventsModule\.invalidate\['a\.b'\]\[0\]\.tgas`: unknown option\. Did you mean `tags`\?/,
    );
    expect(() => CacheEventsModule.forRoot({ invalidate: { 'a.b': {} } })).toThrow(/give tags, keys or both/);
    expect(() => CacheEventsModule.forRoot({ invalidate: { 'a.b': { tags: ['x'], mode: 'soft!' as never } } })).toThrow(/\.mode`/);
  });

  it('fails startup for a rule naming a cache CacheModule does not define', async () => {
    await expect(instance(uniqueNamespace('events-cache'), { invalidate: { 'a.b': { cache: 'nope', tags: ['x'] } } })).rejects.toThrow(
      /`CacheEventsModule\.invalidate\['a\.b'\]\.cache`: CacheModule defines no cache "nope"/,
    );
  });

  it('fails startup when invalidateOn is used without CacheEventsModule, instead of never invalidating', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('events-none'), l2: false, caches: { lists: {} } })],
      providers: [AgentsService],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/`@Cacheable\(AgentsService\.find\)\.invalidateOn`: needs CacheEventsModule\.forRoot\(\)/);
    await moduleRef.close();
  });

  it('fails startup without EventEmitterModule, saying what to import', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('events-noemitter'), l2: false, caches: { lists: {} } }), CacheEventsModule.forRoot()],
      providers: [AgentsService],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/EventEmitterModule\.forRoot\(\)/);
    await moduleRef.close();
  });
});
