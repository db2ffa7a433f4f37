import type { INestApplication } from '@nestjs/common';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

describe('workspaces: agents of two tenants', () => {
  let app: INestApplication;
  let queries: jest.SpyInstance;

  const get = (tenant: string, path: string, headers: Record<string, string> = {}) =>
    http(app).get(path).set({ 'x-tenant': tenant, ...headers });

  beforeAll(async () => {
    app = await startApp();
    queries = jest.spyOn(app.get(Database), 'query');
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    queries.mockRestore();
    await app.close();
  });

  it('rejects a request that names no known workspace', async () => {
    expect((await http(app).get('/workspace/agents').expect(400)).body.message).toBe('x-tenant must be one of acme, globex');
    await get('initech', '/workspace/agents').expect(400);
  });

  it("serves each workspace its own agents, warmed at startup", async () => {
    const before = queries.mock.calls.length;
    const acme = await get('acme', '/workspace/agents').expect(200);
    const globex = await get('globex', '/workspace/agents').expect(200);
    expect(queries.mock.calls.length).toBe(before);
    expect(acme.body.map((agent: { name: string }) => agent.name)).toEqual(['acme-agent-1', 'acme-agent-2', 'acme-agent-3']);
    expect(globex.body.map((agent: { name: string }) => agent.name)).toEqual(['globex-agent-1', 'globex-agent-2', 'globex-agent-3']);
    expect(acme.headers.etag).not.toBe(globex.headers.etag);
  });

  it("never changes one workspace's responses when another writes", async () => {
    const paths = ['/workspace/agents', '/workspace/agents/1', '/workspace/agents/2'];
    const snapshot = async (tenant: string) =>
      Promise.all(paths.map(async (path) => {
        const response = await get(tenant, path).expect(200);
        return { path, body: response.body, etag: response.headers.etag };
      }));
    const globexBefore = await snapshot('globex');
    for (let i = 0; i < 3; i++) {
      const renamed = await http(app).patch('/workspace/agents/1').set('x-tenant', 'acme').send({ name: `acme-star-${i}` }).expect(200);
      expect(renamed.body).toEqual({ tenant: 'acme', id: 1, name: `acme-star-${i}` });
      const acme = await get('acme', '/workspace/agents/1').expect(200);
      expect(acme.headers['x-cache']).toBe('miss');
      expect(acme.body.name).toBe(`acme-star-${i}`);
      expect((await get('acme', '/workspace/agents').expect(200)).body[0].name).toBe(`acme-star-${i}`);
      expect(await snapshot('globex')).toEqual(globexBefore);
    }
    expect((await get('globex', '/workspace/agents/1').expect(200)).headers['x-cache']).toBe('hit');
  });

  it('answers 304 per workspace: one tenant’s ETag does not validate another’s response', async () => {
    const acme = await get('acme', '/workspace/agents/2').expect(200);
    // No shared cache downstream may answer globex with acme's copy.
    expect(acme.headers['cache-control']).toMatch(/^private, /);
    expect(acme.headers.vary).toBe('x-tenant');
    await get('acme', '/workspace/agents/2', { 'if-none-match': acme.headers.etag }).expect(304);
    await get('globex', '/workspace/agents/2', { 'if-none-match': acme.headers.etag }).expect(200);
  });
});
