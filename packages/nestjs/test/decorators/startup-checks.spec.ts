import { Controller, Get, Injectable, Param, Req, Res, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, Cacheable, CacheEvict, WithLock } from '../../src/index.js';
import { CacheWarmer } from '../../src/warmers/index.js';

async function init(providers: Type[], controllers: Type[] = []): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot({ l2: false })], providers, controllers }).compile();
  try {
    await moduleRef.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await moduleRef.close();
  }
}

describe('decorator options are checked when the module initialises', () => {
  it('names Class.method and the option for an entry option out of range', async () => {
    @Injectable()
    class Negative {
      @Cacheable({ ttl: -1 })
      async load(): Promise<number> {
        return 1;
      }
    }
    const error = (await init([Negative])) as Error & { code: string };
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain('`@Cacheable(Negative.load).ttl`');
  });

  it('rejects unknown decorator keys, naming the method, with a suggestion', () => {
    const decorate = (): void => {
      class Typo {
        @Cacheable({ tll: 5 } as never)
        async load(): Promise<number> {
          return 1;
        }
      }
      void Typo;
    };
    expect(decorate).toThrow(/`@Cacheable\(Typo\.load\)\.tll`: unknown option\. Did you mean `ttl`\?/);
    expect(() => CacheEvict({ key: 'k', befroeInvocation: true } as never)(class Evicts {}.prototype, 'run', { value: async () => undefined }))
      .toThrow(/`@CacheEvict\(Evicts\.run\)\.befroeInvocation`.*`beforeInvocation`/);
    expect(() => WithLock('r', { ttl: 5 } as never)(class Locks {}.prototype, 'run', { value: async () => undefined }))
      .toThrow(/`@WithLock\(Locks\.run\)\.ttl`.*`ttlMs`/);
    expect(() => CacheWarmer({ everyMS: 5 } as never)(class Warms {}.prototype, 'run', { value: async () => undefined }))
      .toThrow(/`@CacheWarmer\(Warms\.run\)\.everyMS`.*`everyMs`/);
  });

  it('refuses a default key on a handler taking @Req() or @Res(), and says to pass `key`', async () => {
    @Controller('agents')
    class AgentsController {
      @Get(':id')
      @Cacheable()
      async find(@Param('id') id: string, @Req() request: unknown): Promise<string> {
        return `${id}${typeof request}`;
      }
    }
    const error = (await init([], [AgentsController])) as Error & { code: string };
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain('`@Cacheable(AgentsController.find).key`');
    expect(error.message).toContain('@Req() (argument 2)');
    expect(error.message).toContain('pass `key`');
  });

  it('accepts such a handler with an explicit key', async () => {
    @Controller('agents')
    class Keyed {
      @Get(':id')
      @Cacheable({ key: (id: string) => ['agent', id] })
      async find(@Param('id') id: string, @Res({ passthrough: true }) response: unknown): Promise<string> {
        return `${id}${typeof response}`;
      }
    }
    expect(await init([], [Keyed])).toBeUndefined();
  });

  it('names the method and the argument position when a default key cannot be formed at run time', async () => {
    @Injectable()
    class Loose {
      @Cacheable()
      async load(id: number, callback: () => void): Promise<number> {
        callback();
        return id;
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot({ l2: false })], providers: [Loose] }).compile();
    await moduleRef.init();
    try {
      await expect(moduleRef.get(Loose).load(1, () => undefined)).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
        message: expect.stringMatching(/default cache key of Loose\.load: argument 2 cannot be part of a cache key.*pass `key`/),
      });
    } finally {
      await moduleRef.close();
    }
  });
});
