import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENDPOINTS } from './index.controller.js';

/**
 * What the port answers while the app starts (the database opens and is seeded, the startup warmers
 * run): `/` is the index already, anything else a 503 to retry. A newcomer's first request gets an
 * answer within seconds instead of a refused connection, and no endpoint answers from a half-seeded
 * database.
 */
export function answerWhileStarting(request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/') {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ app: 'Tiercache leaderboard sample', status: 'starting: seeding the database', endpoints: ENDPOINTS }));
    return;
  }
  response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
  response.end(JSON.stringify({ statusCode: 503, message: 'The app is starting (seeding the database); retry in a few seconds.' }));
}
