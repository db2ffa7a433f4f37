import { TieredCache, TiercacheError } from '../../src/index.js';
import { closest } from '../../src/cache/known-keys.js';
import { resolveOptions } from '../../src/cache/options.js';

function rejection(options: unknown): TiercacheError {
  try {
    resolveOptions(options as never);
  } catch (error) {
    return error as TiercacheError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('cache options: unknown keys', () => {
  it.each([
    [{ tll: 1_000 }, '`tll`', 'Did you mean `ttl`?'],
    [{ l3: {} }, '`l3`', 'Did you mean `l1` or `l2`?'],
    [{ l1: { maxEntry: 10 } }, '`l1.maxEntry`', 'Did you mean `maxEntries`?'],
    [{ l2: { redis: 'redis://localhost', brekaer: {} } }, '`l2.brekaer`', 'Did you mean `breaker`?'],
    [{ l2: { redis: 'redis://localhost', breaker: { openMS: 1 } } }, '`l2.breaker.openMS`', 'Did you mean `openMs`?'],
    [{ profiles: { hot: { tll: 1 } } }, '`profiles.hot.tll`', 'Did you mean `ttl`?'],
  ])('rejects the unknown key of %j with its path and a suggestion', (options, path, hint) => {
    const error = rejection(options);
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain(path);
    expect(error.message).toContain(hint);
  });

  it('refuses them from the constructor, before any connection is made', () => {
    expect(() => new TieredCache({ l1: false, l2: { redis: 'redis://localhost:1', bsu: false } } as never)).toThrow(/`l2\.bsu`: unknown option\. Did you mean `bus`\?/);
  });

  it('suggests nothing for a key that resembles no option', () => {
    expect(closest('compression', ['ttl', 'l1', 'l2'])).toEqual([]);
  });

  it('leaves the keys of ioredis options to ioredis', () => {
    expect(resolveOptions({ l2: { redis: { host: 'localhost', lazyConnect: true } as never } }).l2).toMatchObject({ redis: { lazyConnect: true } });
  });
});

describe('cache options: l2.redis as a string', () => {
  it.each(['not a url', 'http://localhost:6379', 'redis://', 'redis:/localhost'])('names l2.redis and the accepted forms for %p', (redis) => {
    const error = rejection({ l2: { redis } });
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toMatch(/`l2\.redis`.*redis:\/\/.*ioredis options/);
    expect(error.message).not.toContain('Invalid URL');
  });

  it('never echoes the URL, which may carry a password', () => {
    expect(rejection({ l2: { redis: 'http://user:s3cret@localhost' } }).message).not.toContain('s3cret');
  });

  it.each(['redis://localhost:6379', 'rediss://user:pw@cache.example:6380/2', '/var/run/redis.sock'])('accepts %p', (redis) => {
    expect(resolveOptions({ l2: { redis } }).l2).toMatchObject({ redis });
  });
});

describe('cache options: l2.redis as a client', () => {
  // What a client of another ioredis copy looks like here (a monorepo with two versions installed).
  class Redis {
    readonly options = { host: '10.1.2.3', port: 6380 };
    readonly status = 'ready';
    sendCommand(): void {}
    duplicate(): this {
      return this;
    }
  }

  it('refuses one made by another copy of ioredis, rather than connect to a default server instead', () => {
    const error = rejection({ l2: { redis: new Redis() } });
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toMatch(/`l2\.redis`.*another copy of ioredis/);
    expect(() => new TieredCache({ l1: false, l2: { redis: new Redis() as never } })).toThrow(/another copy of ioredis/);
  });
});
