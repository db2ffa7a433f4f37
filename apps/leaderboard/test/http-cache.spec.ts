import type { INestApplication } from '@nestjs/common';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

describe('whole-response caching of the leaderboards', () => {
  let app: INestApplication;
  let queries: jest.SpyInstance;

  beforeAll(async () => {
    app = await startApp();
    queries = jest.spyOn(app.get(Database), 'query');
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    queries.mockRestore();
    await app.close();
  });

  it('sends a strong ETag and Cache-Control, then answers the same ETag with 304', async () => {
    const first = await http(app).get('/leaderboards/weekly?limit=4').expect(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.headers.etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers['cache-control']).toMatch(/^public, max-age=(29|30)$/);

    const second = await http(app).get('/leaderboards/weekly?limit=4').expect(200);
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toEqual(first.body);

    const revalidated = await http(app).get('/leaderboards/weekly?limit=4').set('if-none-match', first.headers.etag).expect(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.etag).toBe(first.headers.etag);
  });

  it('drops the cached response when a vote changes the board, and the old ETag no longer matches', async () => {
    const board = await http(app).get('/leaderboards/daily?limit=100').expect(200);
    const agentId = board.body.entries[0]?.agent_id ?? 1;
    await http(app).post('/votes').send({ agent_id: agentId, voter: 'etag-fan', value: 1 }).expect(201);
    const before = queries.mock.calls.length;
    const after = await http(app).get('/leaderboards/daily?limit=100').set('if-none-match', board.headers.etag).expect(200);
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.headers.etag).not.toBe(board.headers.etag);
    expect(queries.mock.calls.length).toBeGreaterThan(before);
  });
});
