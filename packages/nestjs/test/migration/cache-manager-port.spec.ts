/*
 * The official @nestjs/cache-manager sample (a controller behind the cache interceptor, with a
 * trackBy that excludes some paths, and a service using CACHE_MANAGER), next to its Tiercache port
 * as docs/MIGRATING.md writes it. One scenario drives both over real HTTP and expects the same
 * answers.
 */
import { CACHE_MANAGER, CacheInterceptor, CacheModule as NestCacheModule, CacheTTL, type Cache } from '@nestjs/cache-manager';
import { Body, Controller, Get, Inject, Injectable, Module, Post, UseInterceptors, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TieredCache } from '@tiercache/core';
import { CacheModule } from '../../src/index.js';
import { HttpCache, HttpCacheInterceptor, HttpCacheModule, NoHttpCache } from '../../src/http/index.js';
import { redisUrl, uniqueNamespace } from '../support.js';

interface Cat {
  name: string;
}

/** What both ports expose to the scenario. */
interface CatsApi {
  handlerRuns: number;
}

// ---- The @nestjs/cache-manager sample ----------------------------------------------------------

@Injectable()
class SampleHttpCacheInterceptor extends CacheInterceptor {
  protected override trackBy(context: ExecutionContext): string | undefined {
    const request = context.switchToHttp().getRequest();
    const { httpAdapter } = this.httpAdapterHost;
    const isGetRequest = httpAdapter.getRequestMethod(request) === 'GET';
    const excludePaths = ['/cats/live'];
    if (!isGetRequest || excludePaths.includes(httpAdapter.getRequestUrl(request))) return undefined;
    return httpAdapter.getRequestUrl(request);
  }
}

@Injectable()
class SampleCatsService implements CatsApi {
  handlerRuns = 0;
  readonly #cats: Cat[] = [{ name: 'Tom' }];
  constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: Cache) {}

  findAll(): Cat[] {
    this.handlerRuns++;
    return [...this.#cats];
  }

  async create(cat: Cat): Promise<void> {
    this.#cats.push(cat);
    await this.cacheManager.del('/cats');
  }

  async rememberVisitor(name: string): Promise<void> {
    await this.cacheManager.set('last-visitor', name, 60_000);
  }

  async lastVisitor(): Promise<string | undefined> {
    return (await this.cacheManager.get<string>('last-visitor')) ?? undefined;
  }
}

@Controller('cats')
@UseInterceptors(SampleHttpCacheInterceptor)
class SampleCatsController {
  constructor(private readonly cats: SampleCatsService) {}

  @Get()
  @CacheTTL(30_000)
  findAll(): Cat[] {
    return this.cats.findAll();
  }

  @Get('live')
  live(): Cat[] {
    return this.cats.findAll();
  }

  @Post()
  async create(@Body() cat: Cat): Promise<void> {
    await this.cats.create(cat);
  }

  @Post('visitors')
  async visit(@Body() body: { name: string }): Promise<{ last?: string }> {
    const last = await this.cats.lastVisitor();
    await this.cats.rememberVisitor(body.name);
    return { last };
  }
}

@Module({ imports: [NestCacheModule.register({ ttl: 5_000 })], controllers: [SampleCatsController], providers: [SampleCatsService] })
class SampleModule {}

// ---- The Tiercache port ---------------------------------------------------------------------------

@Injectable()
class CatsService implements CatsApi {
  handlerRuns = 0;
  readonly #cats: Cat[] = [{ name: 'Tom' }];
  constructor(private readonly cache: TieredCache) {}

  findAll(): Cat[] {
    this.handlerRuns++;
    return [...this.#cats];
  }

  async create(cat: Cat): Promise<void> {
    this.#cats.push(cat);
    await this.cache.invalidateTags(['cats']);
  }

  async rememberVisitor(name: string): Promise<void> {
    await this.cache.set('last-visitor', name, { ttl: 60_000 });
  }

  async lastVisitor(): Promise<string | undefined> {
    return this.cache.get<string>('last-visitor');
  }
}

@Controller('cats')
@UseInterceptors(HttpCacheInterceptor)
class CatsController {
  constructor(private readonly cats: CatsService) {}

  @Get()
  @HttpCache({ ttl: 30_000, tags: ['cats'] })
  findAll(): Cat[] {
    return this.cats.findAll();
  }

  @Get('live')
  @NoHttpCache()
  live(): Cat[] {
    return this.cats.findAll();
  }

  @Post()
  async create(@Body() cat: Cat): Promise<void> {
    await this.cats.create(cat);
  }

  @Post('visitors')
  async visit(@Body() body: { name: string }): Promise<{ last?: string }> {
    const last = await this.cats.lastVisitor();
    await this.cats.rememberVisitor(body.name);
    return { last };
  }
}

@Module({
  imports: [
    CacheModule.forRoot({ isGlobal: true, namespace: uniqueNamespace('port'), ttl: 5_000, l2: { redis: redisUrl() } }),
    HttpCacheModule.forRoot({ cacheHeader: 'x-cache' }),
  ],
  controllers: [CatsController],
  providers: [CatsService],
})
class PortModule {}

// ---- One scenario for both -----------------------------------------------------------------------

describe.each([
  ['@nestjs/cache-manager', SampleModule, SampleCatsService],
  ['Tiercache', PortModule, CatsService],
] as const)('the cache-manager sample with %s', (_name, module, service) => {
  let app: INestApplication;
  let url: string;
  let cats: CatsApi;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    app = moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    cats = app.get<CatsApi>(service);
  });

  afterAll(async () => {
    await app?.close();
  });

  const json = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, cache: response.headers.get('x-cache')?.toLowerCase(), body: await response.json().catch(() => undefined) };
  };
  const post = (path: string, body: unknown) => json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the second GET from the cache, marked as a hit', async () => {
    expect(await json('/cats')).toEqual({ status: 200, cache: 'miss', body: [{ name: 'Tom' }] });
    expect(await json('/cats')).toEqual({ status: 200, cache: 'hit', body: [{ name: 'Tom' }] });
    expect(cats.handlerRuns).toBe(1);
  });

  it('does not cache an excluded route', async () => {
    await json('/cats/live');
    await json('/cats/live');
    expect(cats.handlerRuns).toBe(3);
  });

  it('serves the new list once the service invalidated the cached one', async () => {
    expect((await post('/cats', { name: 'Garfield' })).status).toBe(201);
    expect((await json('/cats')).body).toEqual([{ name: 'Tom' }, { name: 'Garfield' }]);
    expect((await json('/cats')).cache).toBe('hit');
  });

  it('reads and writes values through the injected cache, TTLs in milliseconds', async () => {
    expect((await post('/cats/visitors', { name: 'ada' })).body).toEqual({});
    expect((await post('/cats/visitors', { name: 'bob' })).body).toEqual({ last: 'ada' });
  });
});
