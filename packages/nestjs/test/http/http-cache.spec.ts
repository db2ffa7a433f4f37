import { Logger, type INestApplication } from '@nestjs/common';
import { CacheModule } from '../../src/index.js';
import { HttpCacheModule } from '../../src/http/index.js';
import { HttpCacheExplorer } from '../../src/http/http-cache.explorer.js';
import { redisUrl, uniqueNamespace } from '../support.js';
import { AgentsController, PlainController, Runs, startApp, type AdapterName } from './http-fixture.js';

describe.each<AdapterName>(['express', 'fastify'])('HTTP response caching on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let runs: Runs;
  let warnings: string[];
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers });

  beforeAll(async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    ({ app, url } = await startApp(adapter, {
      imports: [
        CacheModule.forRoot({ isGlobal: true, namespace: uniqueNamespace(`http-${adapter}`), l2: { redis: redisUrl() } }),
        HttpCacheModule.forRoot({ cacheHeader: 'x-cache' }),
      ],
      controllers: [AgentsController, PlainController],
      providers: [Runs],
    }));
    runs = app.get(Runs);
    warnings = warn.mock.calls.map(([message]) => String(message));
    warn.mockRestore();
  });

  afterAll(async () => {
    runs?.gate.resolve();
    await app?.close();
  });

  it('runs the handler once, then serves the stored body with a strong ETag and Cache-Control', async () => {
    const first = await get('/agents/1');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const body = await first.json();
    expect(body).toEqual({ id: '1', name: 'ada', query: {}, run: 1 });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=(59|60), stale-while-revalidate=30$/);

    const second = await get('/agents/1');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await second.json()).toEqual(body);
    expect(runs.of('find:1')).toBe(1);
  });

  it('answers 304 with no body when If-None-Match names the current ETag', async () => {
    const etag = (await get('/agents/1')).headers.get('etag')!;
    const revalidated = await get('/agents/1', { 'if-none-match': `W/"other", ${etag}` });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(await revalidated.text()).toBe('');
    expect((await get('/agents/1', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('answers HEAD from the GET entry, without a body', async () => {
    const head = await fetch(`${url}/agents/1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-cache')).toBe('hit');
    expect(await head.text()).toBe('');
    expect(runs.of('find:1')).toBe(1);
  });

  it('keys by params and the normalised query', async () => {
    await get('/agents/2?b=2&a=1');
    const reordered = await get('/agents/2?a=1&b=2');
    expect(reordered.headers.get('x-cache')).toBe('hit');
    const other = await get('/agents/2?a=9&b=2');
    expect(other.headers.get('x-cache')).toBe('miss');
    expect(runs.of('find:2')).toBe(2);
  });

  it('lets @CacheEvict on a mutating route invalidate the tagged responses', async () => {
    const before = await get('/agents/1');
    const renamed = await fetch(`${url}/agents/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada lovelace' }) });
    expect(renamed.status).toBe(204);
    const after = await get('/agents/1');
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(((await after.json()) as { name: string }).name).toBe('ada lovelace');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('caches the first value of an Observable', async () => {
    expect(await (await get('/agents/1/first')).json()).toEqual({ id: '1', value: 'first', run: 1 });
    expect(await (await get('/agents/1/first')).json()).toEqual({ id: '1', value: 'first', run: 1 });
  });

  it('runs one handler for concurrent requests of one key', async () => {
    const pending = Array.from({ length: 5 }, () => get('/agents/7/slow').then((response) => response.json()));
    while (runs.of('slow') === 0) await new Promise((resolve) => setImmediate(resolve));
    runs.gate.resolve();
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 5 }, () => ({ id: '7', run: 1 })));
    expect(runs.of('slow')).toBe(1);
  });

  it('never shares a response between different credentials, and marks it private', async () => {
    const alice = await get('/agents/me/profile', { authorization: 'Bearer alice' });
    const bob = await get('/agents/me/profile', { authorization: 'Bearer bob' });
    expect(await alice.json()).toEqual({ run: 1 });
    expect(await bob.json()).toEqual({ run: 2 });
    expect(bob.headers.get('cache-control')).toMatch(/^private, /);
    expect(bob.headers.get('vary')).toContain('authorization');
    const aliceAgain = await get('/agents/me/profile', { authorization: 'Bearer alice' });
    expect(aliceAgain.headers.get('x-cache')).toBe('hit');
    expect(await aliceAgain.json()).toEqual({ run: 1 });
    const cookie = await get('/agents/me/profile', { cookie: 'sid=alice' });
    expect(await cookie.json()).toEqual({ run: 3 });
  });

  it('keys by the declared vary headers and sends Vary', async () => {
    const en = await get('/agents/lang/greeting', { 'accept-language': 'en' });
    const fr = await get('/agents/lang/greeting', { 'accept-language': 'fr' });
    expect(await en.json()).toEqual({ run: 1 });
    expect(await fr.json()).toEqual({ run: 2 });
    expect(fr.headers.get('vary')).toBe('accept-language');
    expect(await (await get('/agents/lang/greeting', { 'accept-language': 'en' })).json()).toEqual({ run: 1 });
  });

  it("keeps the handler's own Cache-Control, on the miss and on hits", async () => {
    await get('/agents/own/headers');
    const hit = await get('/agents/own/headers');
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(hit.headers.get('cache-control')).toBe('public, max-age=5');
  });

  it('leaves routes marked @NoHttpCache alone', async () => {
    await get('/agents/off/route');
    const second = await get('/agents/off/route');
    expect(second.headers.get('x-cache')).toBeNull();
    expect(await second.json()).toEqual({ run: 2 });
  });

  it('serves within grace as stale, and refreshes behind it', async () => {
    await get('/agents/stale/route');
    // Past the 1 ms TTL; the 60 s grace keeps the entry servable.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stale = await get('/agents/stale/route');
    expect(stale.headers.get('x-cache')).toBe('stale');
    expect(await stale.json()).toEqual({ run: 1 });
    expect(stale.headers.get('cache-control')).toBe('public, max-age=0, stale-while-revalidate=60');
  });

  it('never stores a response that sets a cookie', async () => {
    const first = await get('/agents/cookie/route');
    expect(first.headers.get('set-cookie')).toContain('sid=abc');
    await get('/agents/cookie/route');
    expect(runs.of('cookie')).toBe(2);
  });

  it('stores only successful responses', async () => {
    await get('/agents/teapot/route');
    await get('/agents/teapot/route');
    expect(runs.of('teapot')).toBe(2);
  });

  it('keeps serving the stale response while the handler fails (fail-safe)', async () => {
    expect(await (await get('/agents/failing/route')).json()).toEqual({ run: 1 });
    runs.failing = true;
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const staleThenFailSafe = async () => {
        const response = await get('/agents/failing/route');
        expect(response.status).toBe(200);
        expect(response.headers.get('x-cache')).toBe('stale');
        expect(await response.json()).toEqual({ run: 1 });
      };
      await staleThenFailSafe();
      // The first stale serve started one refresh in the background; once it has failed, the stale
      // response is still what clients get.
      while (runs.of('failing') < 2) await new Promise((resolve) => setImmediate(resolve));
      await staleThenFailSafe();
      await staleThenFailSafe();
    } finally {
      runs.failing = false;
    }
  });

  it('never caches streamed responses, and names them at startup', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await (await get('/agents/files/one')).text()).toBe('file body');
      expect(await (await get('/agents/raw/one')).text()).toBe('raw');
    }
    expect(runs.of('file')).toBe(2);
    expect(runs.of('raw')).toBe(2);
    expect(app.get(HttpCacheExplorer).uncacheableRoutes()).toEqual(warnings.filter((line) => line.includes('is never cached by')));
    expect(warnings.filter((line) => line.includes('is never cached by'))).toEqual([
      expect.stringMatching(/^AgentsController\.file is never cached .*StreamableFile/),
      expect.stringMatching(/^AgentsController\.raw is never cached .*@Res\(\)/),
    ]);
  });

  it('works per route, and caches plain strings', async () => {
    expect(await (await get('/plain/cached')).text()).toBe('text 1');
    const hit = await get('/plain/cached');
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.text()).toBe('text 1');
    await get('/plain/uncached');
    expect((await get('/plain/uncached')).headers.get('x-cache')).toBeNull();
  });
});
