import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ErrorCode } from '@tiercache/core';
import { CacheModule, CachePut, Cacheable, TieredCache, type CacheModuleOptions } from '@tiercache/nestjs';
import { redisUrl, uniqueNamespace } from '../support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Board {
  day: string;
  closed: boolean;
}

@Injectable()
class BoardsService {
  loads = 0;

  @Cacheable({ key: (day: string) => ['hot', day], profile: 'hot' })
  async hot(day: string): Promise<Board> {
    this.loads++;
    return { day, closed: false };
  }

  // A closed board never changes: it may live a day; an open one a minute.
  @Cacheable({ key: (day: string) => ['board', day], ttl: (board: Board) => (board.closed ? DAY : MINUTE), profile: 'cold' })
  async board(day: string, closed: boolean): Promise<Board> {
    this.loads++;
    return { day, closed };
  }

  @Cacheable({ key: (day: string, _ttl: number) => ['bad', day], ttl: (_board: Board, _day: string, ttl: number) => ttl })
  async withBadTtl(day: string, _ttl: number): Promise<Board> {
    this.loads++;
    return { day, closed: true };
  }

  @CachePut({ key: (day: string) => ['board', day], ttl: (board: Board) => (board.closed ? DAY : MINUTE) })
  async close(day: string): Promise<Board> {
    return { day, closed: true };
  }
}

const profiles = { hot: { ttl: 2 * MINUTE, l1Ttl: 10_000 }, cold: { ttl: HOUR, grace: 10 * MINUTE } };

const open: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
});

async function app(options: CacheModuleOptions = {}, providers: unknown[] = [BoardsService]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ namespace: uniqueNamespace('profiles'), l2: { redis: redisUrl() }, profiles, ...options })],
    providers: providers as never[],
  }).compile();
  open.push(moduleRef);
  await moduleRef.init();
  return moduleRef;
}

async function redisTtl(moduleRef: TestingModule, key: readonly unknown[]): Promise<number> {
  const cache = moduleRef.get(TieredCache);
  return cache.redisClient!.pttl(cache.keyFor(key as never));
}

describe('profiles in @Cacheable and CacheModule', () => {
  it("stores with the profile's options", async () => {
    const moduleRef = await app();
    await moduleRef.get(BoardsService).hot('2026-12-01');
    const ttl = await redisTtl(moduleRef, ['hot', '2026-12-01']);
    expect(ttl).toBeGreaterThan(MINUTE);
    expect(ttl).toBeLessThanOrEqual(2 * MINUTE);
  });

  it('fails startup for an unknown profile, naming the method and the defined profiles', async () => {
    @Injectable()
    class Typo {
      @Cacheable({ profile: 'hott' })
      async load(): Promise<number> {
        return 1;
      }
    }
    await expect(app({}, [Typo])).rejects.toThrow(/`@Cacheable\(Typo\.load\)\.profile`: no profile is named "hott" \(defined: hot, cold\)/);
  });

  it('checks the profiles and the profile of a named cache at startup, naming the field', async () => {
    // L1 only: a module that fails in its constructor cannot close what it had opened.
    const l2 = false;
    await expect(app({ l2, profiles: { hot: { tll: 1 } as never } })).rejects.toThrow(/`profiles\.hot\.tll`: unknown option\. Did you mean `ttl`\?/);
    await expect(app({ l2, profiles: { hot: { ttl: -1 } } })).rejects.toThrow(/`profiles\.hot\.ttl`/);
    await expect(app({ l2, caches: { boards: { profile: 'warm' } } })).rejects.toThrow(/`caches\.boards\.profile`: no profile is named "warm"/);
    const moduleRef = await app({ l2, caches: { boards: { profile: 'cold' } } });
    expect(moduleRef.get(TieredCache)).toBeDefined();
  });
});

describe('TTL functions of the result and the arguments', () => {
  it('computes the TTL from the result; the other options of the profile stay', async () => {
    const moduleRef = await app();
    const boards = moduleRef.get(BoardsService);
    await boards.board('2026-11-30', true);
    await boards.board('2026-12-01', false);
    const past = await redisTtl(moduleRef, ['board', '2026-11-30']);
    const live = await redisTtl(moduleRef, ['board', '2026-12-01']);
    expect(past).toBeGreaterThan(DAY);
    expect(past).toBeLessThanOrEqual(DAY + 10 * MINUTE); // the profile's grace
    expect(live).toBeGreaterThan(MINUTE);
    expect(live).toBeLessThanOrEqual(11 * MINUTE);
  });

  it('passes the arguments; a bad return value is returned uncached and reported as E_INVALID_TTL', async () => {
    const moduleRef = await app();
    const boards = moduleRef.get(BoardsService);
    const faults: unknown[] = [];
    moduleRef.get(TieredCache).events.on('fault', (fault) => faults.push(fault.error));
    expect(await boards.withBadTtl('d', -1)).toEqual({ day: 'd', closed: true });
    expect(await boards.withBadTtl('d', -1)).toEqual({ day: 'd', closed: true });
    expect(boards.loads).toBe(2);
    expect(faults).toEqual([
      expect.objectContaining({ code: ErrorCode.InvalidTtl, message: expect.stringContaining('returned -1') }),
      expect.objectContaining({ code: ErrorCode.InvalidTtl }),
    ]);
    // A good one, through the same method, is cached.
    await boards.withBadTtl('e', MINUTE);
    await boards.withBadTtl('e', MINUTE);
    expect(boards.loads).toBe(3);
  });

  it('computes the TTL of a @CachePut write from its result', async () => {
    const moduleRef = await app();
    await moduleRef.get(BoardsService).close('2026-11-29');
    expect(await redisTtl(moduleRef, ['board', '2026-11-29'])).toBeGreaterThan(HOUR);
  });
});
