import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { eventually, uniqueNamespace } from '../support/redis.js';

// The workers run the compiled package, as other services would.
const built = join(__dirname, '..', '..', 'dist', 'index.js');
const workerScript = join(__dirname, 'fixtures', 'write-behind-worker.mjs');

interface Item {
  id: string;
  key: string;
  seq: number;
  value: string;
}
type Message = { type: 'acked'; key: string; seq: number; value: string } | { type: 'done' } | { type: 'ready' } | { type: 'batch'; id: number; items: Item[] };

const WRITERS = 4;
const WRITES_PER_WRITER = 2_500;
const KEYS = 100;

describe('WriteBehind across processes, with flushers killed mid-flush', () => {
  const children = new Set<ChildProcess>();
  let db: PGlite;

  const start = (args: string[], onMessage: (child: ChildProcess, message: Message) => void): ChildProcess => {
    const child = fork(workerScript, args, { env: { ...process.env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message: Message) => onMessage(child, message));
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0 && signal !== 'SIGKILL') failures.push(`${args[0]} exited with ${code ?? signal}: ${stderr}`);
    });
    children.add(child);
    return child;
  };
  const failures: string[] = [];

  beforeAll(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first; the workers import the built package.`);
    db = await PGlite.create();
    // The documented recipe: a row remembers the sequence of the write it holds, and only a higher one replaces it.
    await db.exec(`
      CREATE TABLE kv (key text PRIMARY KEY, seq bigint NOT NULL, value text NOT NULL);
      CREATE TABLE applied (n serial PRIMARY KEY, key text NOT NULL, seq bigint NOT NULL, value text NOT NULL);
    `);
    // Starting PGlite (WASM) takes seconds on a busy machine.
  }, 60_000);
  afterAll(async () => {
    const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(exits);
    await db?.close();
  });

  it('writes every acknowledged write exactly once, in order per key, and loses none', async () => {
    const name = `mp-${randomUUID().slice(0, 8)}`;
    const namespace = uniqueNamespace('wb-mp');
    const acked = new Map<string, Map<number, string>>();
    let writersDone = 0;
    let batches = 0;
    const kills: string[] = [];
    // Batches are committed one at a time, as one database connection would.
    let commits = Promise.resolve();

    const commit = (items: Item[]): Promise<void> =>
      db.transaction(async (tx) => {
        for (const item of items) {
          const { rows } = await tx.query(
            `INSERT INTO kv (key, seq, value) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET seq = EXCLUDED.seq, value = EXCLUDED.value WHERE kv.seq < EXCLUDED.seq
             RETURNING key`,
            [item.key, item.seq, item.value],
          );
          if (rows.length === 1) await tx.query('INSERT INTO applied (key, seq, value) VALUES ($1, $2, $3)', [item.key, item.seq, item.value]);
        }
      });

    const onFlusherMessage = (child: ChildProcess, message: Message): void => {
      if (message.type !== 'batch') return;
      const number = ++batches;
      commits = commits.then(async () => {
        // Killed twice mid-flush: once after the database committed (the batch comes back, and
        // must be a no-op), once before (the batch must still reach the database).
        if (number === 5) {
          await commit(message.items);
          kills.push('after commit');
          child.kill('SIGKILL');
          startFlusher();
          return;
        }
        if (number === 20) {
          kills.push('before commit');
          child.kill('SIGKILL');
          startFlusher();
          return;
        }
        await commit(message.items);
        // A killed flusher's late batches are committed all the same; the answer goes nowhere.
        if (child.connected) child.send({ type: 'committed', id: message.id }, () => undefined);
      });
    };
    const startFlusher = (): ChildProcess => start(['flusher', name, namespace], onFlusherMessage);

    startFlusher();
    startFlusher();
    for (let w = 0; w < WRITERS; w++) {
      start(['writer', name, namespace, `w${w}`, String(WRITES_PER_WRITER), String(KEYS)], (_child, message) => {
        if (message.type === 'done') writersDone++;
        if (message.type !== 'acked') return;
        let seqs = acked.get(message.key);
        if (seqs === undefined) acked.set(message.key, (seqs = new Map()));
        seqs.set(message.seq, message.value);
      });
    }

    await eventually(() => writersDone === WRITERS || failures.length > 0, 60_000);
    expect(failures).toEqual([]);
    const total = WRITERS * WRITES_PER_WRITER;
    await eventually(async () => {
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM applied');
      return rows[0]!.count >= total || failures.length > 0;
    }, 60_000);
    expect(failures).toEqual([]);
    expect(kills).toEqual(['after commit', 'before commit']);

    const { rows } = await db.query<{ key: string; seq: string; value: string }>('SELECT key, seq::text AS seq, value FROM applied ORDER BY n');
    expect(rows).toHaveLength(total);
    const appliedByKey = new Map<string, { seq: number; value: string }[]>();
    for (const row of rows) appliedByKey.set(row.key, [...(appliedByKey.get(row.key) ?? []), { seq: Number(row.seq), value: row.value }]);
    expect(appliedByKey.size).toBe(KEYS);
    for (const [key, writes] of acked) {
      const expected = [...writes].sort(([a], [b]) => a - b).map(([seq, value]) => ({ seq, value }));
      // Every acknowledged write, exactly once, with its value, in sequence order.
      expect({ key, applied: appliedByKey.get(key) }).toEqual({ key, applied: expected });
      const final = await db.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [key]);
      expect(final.rows[0]!.value).toBe(expected.at(-1)!.value);
    }
  }, 120_000);
});
