import type { INestApplication } from '@nestjs/common';
import { ErrorCode } from '@tiercache/core';
import { InspectorModule, INSPECTOR_FORBIDDEN } from '@tiercache/nestjs/inspector';
import request from 'supertest';
import { uniqueNamespace } from '../support.js';
import { CapturingLogger, inspectedApp } from './fixture.js';

const TOKEN = 'secret-token';
const tokenGuard = (req: { headers: Record<string, string | string[] | undefined> }) =>
  req.headers['x-inspector-token'] === TOKEN ? 'ops@example.test' : false;

describe('inspector guard', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('refuses to start without a guard outside development, naming the fix', () => {
    for (const environment of ['production', 'test', undefined]) {
      let thrown: unknown;
      try {
        InspectorModule.forRoot({ enabled: true, environment: environment ?? '' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: ErrorCode.Unguarded, message: expect.stringContaining('Pass a `guard`') });
    }
  });

  it('falls back to NODE_ENV, which is "test" under Jest: unguarded is refused', () => {
    expect(() => InspectorModule.forRoot({ enabled: true })).toThrow(expect.objectContaining({ code: ErrorCode.Unguarded }));
  });

  it('serves nothing when not enabled, guard or not', async () => {
    const app = await inspectedApp(uniqueNamespace('insp-off'), { enabled: false });
    apps.push(app);
    await request(app.getHttpServer()).get('/_tiercache').expect(404);
    await request(app.getHttpServer()).get('/_tiercache/api/state').expect(404);
  });

  it('runs unguarded in development, and says so loudly at startup', async () => {
    const logger = new CapturingLogger();
    const app = await inspectedApp(uniqueNamespace('insp-dev'), { environment: 'development', path: '/ops/cache' }, logger);
    apps.push(app);
    const page = await request(app.getHttpServer()).get('/ops/cache').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Links are absolute under the mount path, so the page works with and without a trailing slash.
    expect(page.text).toContain('src="/ops/cache/assets/inspector.js"');
    expect(logger.lines).toContainEqual(expect.stringMatching(/^warn \[Tiercache:inspector\] Cache inspector at \/ops\/cache .*UNPROTECTED/));
  });

  it('refuses every route, stream and action without the token, and serves them with it', async () => {
    const logger = new CapturingLogger();
    const app = await inspectedApp(uniqueNamespace('insp-guard'), { environment: 'production', guard: tokenGuard }, logger);
    apps.push(app);
    const http = () => request(app.getHttpServer());
    expect(logger.lines).toContainEqual(expect.stringMatching(/^log \[Tiercache:inspector\] Cache inspector at \/_tiercache .*protected by its guard/));
    const routes = [
      http().get('/_tiercache'),
      http().get('/_tiercache/assets/uplot.js'),
      http().get('/_tiercache/api/state'),
      http().get('/_tiercache/api/stream'),
      http().post('/_tiercache/api/caches/default/clear').send({ confirm: true }),
      http().post('/_tiercache/api/warmers/products/run').send({ confirm: true }),
    ];
    for (const route of routes) {
      const response = await route.set('x-inspector-token', 'wrong');
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: INSPECTOR_FORBIDDEN });
    }
    await http().get('/_tiercache').set('x-inspector-token', TOKEN).expect(200);
    const uplot = await http().get('/_tiercache/assets/uplot.js').set('x-inspector-token', TOKEN).expect(200);
    expect(uplot.headers['content-type']).toMatch(/javascript/);
    expect(uplot.text ?? uplot.body.toString()).toContain('uPlot');
    await http().get('/_tiercache/assets/nope.js').set('x-inspector-token', TOKEN).expect(404);
  });

  it('refuses when the guard throws, and logs why', async () => {
    const logger = new CapturingLogger();
    const app = await inspectedApp(
      uniqueNamespace('insp-throw'),
      {
        environment: 'production',
        guard: () => {
          throw new Error('session store down');
        },
      },
      logger,
    );
    apps.push(app);
    await request(app.getHttpServer()).get('/_tiercache/api/state').expect(403);
    expect(logger.lines).toContainEqual(expect.stringContaining('session store down'));
  });

  it('names a bad option', () => {
    expect(() => InspectorModule.forRoot({ enabled: true, environment: 'development', path: 'no-slash' })).toThrow(/inspector\.path/);
    expect(() => InspectorModule.forRoot({ enabled: true, environment: 'development', sampleEveryMs: 0 })).toThrow(/inspector\.sampleEveryMs/);
  });
});
