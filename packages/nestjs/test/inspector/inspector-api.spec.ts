import type { INestApplication } from '@nestjs/common';
import { TieredCache } from '@tiercache/core';
import { INSPECTOR_NOT_CONFIRMED, type InspectorState } from '@tiercache/nestjs/inspector';
import request from 'supertest';
import { uniqueNamespace } from '../support.js';
import { CapturingLogger, eventually, inspectedApp, Products } from './fixture.js';

type Event = { type: string; data: any };

/** Reads server-sent events from `url` until `enough` says so, then hangs up. */
async function readEvents(url: string, enough: (events: Event[]) => boolean): Promise<Event[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Event[] = [];
  let buffer = '';
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) events.push({ type, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

describe('inspector API', () => {
  let app: INestApplication;
  let url: string;
  const logger = new CapturingLogger();
  const http = () => request(app.getHttpServer());
  const state = async (): Promise<InspectorState & { history: any[] }> => (await http().get('/_tiercache/api/state').expect(200)).body;

  beforeAll(async () => {
    app = await inspectedApp(uniqueNamespace('insp-api'), { environment: 'development' }, logger);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows each cache with L1 against its bounds, L2 and its PING, and per-method counters', async () => {
    const products = app.get(Products);
    await products.find(1);
    await products.find(1);
    await products.find(2);
    const body = await eventually(async () => {
      const s = await state();
      expect(s.methods.find((m) => m.label === 'Products.find')).toMatchObject({ cache: 'default', reads: 3, loads: 2 });
      return s;
    });
    const cache = body.caches.find((c) => c.name === 'default')!;
    expect(cache.l1).toMatchObject({ entries: expect.any(Number), maxEntries: expect.any(Number), maxBytes: expect.any(Number) });
    expect(cache.l1!.entries).toBeGreaterThanOrEqual(2);
    expect(cache.l2).toMatchObject({ connected: true, breakerOpen: false });
    expect(cache.l2!.nodes[0]).toMatchObject({ up: true, latencyMs: expect.any(Number), usedMemory: expect.any(Number) });
    expect(cache.hitRate).toBeCloseTo(1 / 3);
    // Nothing of the entries themselves: no key or value of a product anywhere in the state.
    const json = JSON.stringify(body);
    expect(json).not.toContain(app.get(TieredCache).keyFor(['product', 1]));
    expect(json).not.toContain('"load"');
  }, 20_000);

  it('keeps a hit-rate history per cache and per method, one point per sample', async () => {
    const products = app.get(Products);
    await eventually(async () => {
      await products.find(1);
      const s = await state();
      const point = s.history.findLast((p) => p.methods['Products.find'] !== undefined && p.methods['Products.find'] !== null);
      expect(point).toBeDefined();
      expect(point.methods['Products.find']).toBe(1);
      expect(point.caches.default).toBe(1);
      expect(point.readsPerSecond.default).toBeGreaterThan(0);
    });
  }, 20_000);

  it('streams a snapshot and then every sample', async () => {
    await app.get(Products).find(3);
    const events = await readEvents(`${url}/_tiercache/api/stream`, (e) => e.filter((x) => x.type === 'tick').length >= 2);
    expect(events[0]).toMatchObject({ type: 'snapshot', data: { caches: expect.any(Array), history: expect.any(Array) } });
    const ticks = events.filter((e) => e.type === 'tick');
    expect(ticks[1]!.data.state.at).toBeGreaterThan(ticks[0]!.data.state.at);
  }, 20_000);

  it('takes actions only when confirmed, and logs who took them', async () => {
    const products = app.get(Products);
    const before = await products.find(7);
    await http().post('/_tiercache/api/caches/default/invalidate').send({ tags: ['product:7'] }).expect(400, {
      statusCode: 400,
      code: INSPECTOR_NOT_CONFIRMED,
      message: 'Send {"confirm": true} to take this action.',
    });
    // What a cross-site form could send: a string, not JSON true.
    await http().post('/_tiercache/api/caches/default/invalidate').type('form').send('tags=product:7&confirm=true').expect(400);
    expect(await products.find(7)).toEqual(before);
    await http().post('/_tiercache/api/caches/default/invalidate').send({ tags: ['product:7'], confirm: true }).expect(200);
    expect((await products.find(7)).load).toBeGreaterThan(before.load);
    await http().post('/_tiercache/api/caches/nope/clear').send({ confirm: true }).expect(404);
    await http().post('/_tiercache/api/caches/default/invalidate').send({ tags: [], confirm: true }).expect(400);

    await app.get(TieredCache).set('kept', 1);
    await http().post('/_tiercache/api/caches/default/clear').send({ confirm: true }).expect(200);
    expect(await app.get(TieredCache).get('kept')).toBeUndefined();

    const actions = (await state()).actions;
    expect(actions.map((a) => [a.action, a.target, a.outcome])).toEqual([
      ['clear-cache', 'default', 'done'],
      ['invalidate-tags', 'default', 'done'],
    ]);
    expect(actions[1]).toMatchObject({ who: expect.stringContaining('anonymous (development'), detail: 'product:7' });
    expect(logger.lines).toContainEqual(expect.stringMatching(/^log \[Tiercache:inspector\] anonymous \(development.*: invalidate-tags default \(product:7\): done/));
  }, 20_000);

  it('runs a warmer on request and shows its progress and outcome', async () => {
    await http().post('/_tiercache/api/warmers/unknown/run').send({ confirm: true }).expect(404);
    await http().post('/_tiercache/api/warmers/products/run').send({}).expect(400);
    await http().post('/_tiercache/api/warmers/products/run').send({ confirm: true }).expect(202, { accepted: true, warmer: 'products' });
    const warmer = await eventually(async () => {
      const w = (await state()).warmers.find((x) => x.name === 'products')!;
      expect(w.runs.succeeded).toBe(1);
      return w;
    });
    expect(warmer).toMatchObject({ running: false, lastItems: 3, lastError: null, progress: { done: 3, total: 3 } });
    expect(warmer.lastStart).toEqual(expect.any(Number));
    await eventually(async () => {
      expect((await state()).actions[0]).toMatchObject({ action: 'run-warmer', target: 'products', detail: 'succeeded', outcome: 'done' });
    });
  }, 20_000);

  it('gives advice from the metrics report', async () => {
    const products = app.get(Products);
    // Every read a new key: a hit rate of 0, which the report flags.
    for (let id = 100; id < 130; id++) await products.find(id);
    await eventually(async () => {
      expect((await state()).advice).toContainEqual(expect.objectContaining({ cache: 'default', method: 'Products.find', code: 'low-hit-rate' }));
    });
  }, 20_000);
});

describe('inspector shutdown', () => {
  it('ends open streams so the app closes', async () => {
    const app = await inspectedApp(uniqueNamespace('insp-close'), { environment: 'development' });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const response = await fetch(`${url}/_tiercache/api/stream`, { signal: AbortSignal.timeout(10_000) });
    const reader = response.body!.getReader();
    await reader.read();
    await app.close();
    let done = false;
    while (!done) ({ done } = await reader.read());
    expect(done).toBe(true);
  }, 20_000);
});
