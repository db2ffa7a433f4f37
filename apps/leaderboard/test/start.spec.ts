import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/*
 * `npm start` on an installed checkout, as the README's first command runs it: build (skipped when up
 * to date), then the app on embedded defaults (PGlite, default seed, no Redis). The port opens before
 * Nest and the database load, so `/` answers at once with what to call, and other endpoints say
 * "retry" until the seed is in. (How fast is a timing claim: not asserted here, on a shared machine.)
 */
const root = resolve(__dirname, '..', '..', '..');
/** Only ends the wait for a start that never answers; not a claim about speed. */
const GIVE_UP_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function answer(url: string): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(2_000) });
  } catch {
    return undefined;
  }
}

describe('npm start', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((done) => child!.once('exit', done));
    // Its own process group: npm, the shell and node go together.
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  });

  it('answers at /, with an index of the endpoints, while it starts, then a leaderboard of what it seeded', async () => {
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'REDIS_URL'));
    const started = performance.now();
    child = spawn('npm', ['start'], { cwd: root, env: { ...env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    let index: Response | undefined;
    while (index === undefined && performance.now() - started < GIVE_UP_MS && child.exitCode === null) {
      index = await answer(`http://127.0.0.1:${port}/`);
      if (index === undefined) await new Promise((done) => setTimeout(done, 200));
    }
    const elapsed = performance.now() - started;
    if (index === undefined) throw new Error(`no answer after ${Math.round(elapsed)} ms; output:\n${output}`);
    expect(index.status).toBe(200);
    const body = (await index.json()) as { endpoints: { method: string; path: string }[] };
    expect(body.endpoints.map(({ method, path }) => `${method} ${path.split('?')[0]}`)).toEqual(
      expect.arrayContaining(['GET /agents', 'GET /agents/:id', 'POST /votes', 'GET /leaderboards/daily', 'GET /health']),
    );

    // Until the seed is in, other endpoints answer 503 (retry), never from a half-seeded database.
    // (A request on a kept-alive socket may meet its idle timeout while startup keeps the loop busy: retried.)
    let daily = await answer(`http://127.0.0.1:${port}/leaderboards/daily`);
    for (const deadline = performance.now() + 90_000; daily?.status !== 200 && performance.now() < deadline; ) {
      if (daily !== undefined) {
        expect(daily.status).toBe(503);
        expect(daily.headers.get('retry-after')).toBe('2');
      }
      await new Promise((done) => setTimeout(done, 250));
      daily = await answer(`http://127.0.0.1:${port}/leaderboards/daily`);
    }
    if (daily === undefined) throw new Error(`the leaderboard never answered; output:\n${output}`);
    expect(daily.status).toBe(200);
    const board = (await daily.json()) as { entries?: unknown[] } | unknown[];
    const entries = Array.isArray(board) ? board : (board.entries ?? []);
    expect(entries.length).toBeGreaterThan(0);

    // Once ready, Nest serves the same index.
    const ready = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { status?: string; endpoints: unknown[] };
    expect(ready).toEqual({ app: 'Tiercache leaderboard sample', endpoints: body.endpoints });
  }, 150_000);
});
