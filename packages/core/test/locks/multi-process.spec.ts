import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';

// The workers run the compiled package, as another service would.
const builtLocks = join(__dirname, '..', '..', 'dist', 'locks', 'index.js');
const workerScript = join(__dirname, 'fixtures', 'lock-worker.mjs');

/** One `node lock-worker.mjs` process, with its stdout readable line by line. */
class Worker {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #listeners = new Set<() => void>();
  #stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, [workerScript, ...args], {
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      for (const listener of this.#listeners) listener();
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        for (const listener of this.#listeners) listener();
        resolve({ code, signal });
      });
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The first stdout line starting with `prefix`; rejects if the process exits without printing one. */
  line(prefix: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.#lines.find((line) => line.startsWith(prefix));
        if (found !== undefined) {
          this.#listeners.delete(check);
          resolve(found);
        } else if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          this.#listeners.delete(check);
          reject(new Error(`worker exited before printing "${prefix}": ${this.#stderr}`));
        }
      };
      this.#listeners.add(check);
      check();
    });
  }

  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.exited;
  }
}

describe('RedisLockProvider across processes', () => {
  let client: Redis;
  let keyPrefix: string;
  const workers: Worker[] = [];
  const start = (...args: string[]): Worker => {
    const worker = new Worker(args);
    workers.push(worker);
    return worker;
  };

  beforeAll(() => {
    if (!existsSync(builtLocks)) {
      throw new Error(`${builtLocks} is missing: run \`npm run build\` first; the worker processes import the built package.`);
    }
    if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
    client = new Redis(process.env.REDIS_URL);
  });
  beforeEach(() => {
    keyPrefix = `tc:test:${randomUUID()}:`;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
  });
  afterAll(async () => {
    await client?.quit();
  });

  it('never lets the critical sections of 4 processes overlap', async () => {
    const rounds = 5;
    const contenders = [1, 2, 3, 4].map(() => start('contend', 'shared', keyPrefix, String(rounds)));
    for (const contender of contenders) {
      const exit = await contender.exited;
      expect({ ...exit, stderr: contender.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    }

    const log = await client.lrange(`${keyPrefix}log`, 0, -1);
    expect(log).toHaveLength(4 * rounds * 2);
    const fences: number[] = [];
    for (let i = 0; i < log.length; i += 2) {
      const [enter, exit] = [log[i]!, log[i + 1]!];
      expect(enter).toMatch(/^enter:/);
      // The next line must be the same holder leaving: anything else means two were inside at once.
      expect(exit).toBe(enter.replace(/^enter:/, 'exit:'));
      fences.push(Number(enter.split(':')[2]));
    }
    expect(fences).toEqual([...fences].sort((a, b) => a - b));
    expect(new Set(fences).size).toBe(fences.length);
    expect(await client.get(`${keyPrefix}counter`)).toBe(String(4 * rounds));
  }, 20_000);

  it('lets another process take over, with a larger fence, once a killed holder’s lease runs out', async () => {
    const ttlMs = 1_000;
    const holder = start('hold', 'job', keyPrefix, String(ttlMs));
    const heldFence = Number((await holder.line('acquired ')).split(' ')[1]);

    // The taker may wait only one lease plus a margin: its acquire fails with E_LOCK_TIMEOUT otherwise.
    const taker = start('take', 'job', keyPrefix, String(ttlMs + 3_000));
    await taker.line('waiting');
    await holder.kill();

    const takenFence = Number((await taker.line('acquired ')).split(' ')[1]);
    expect(takenFence).toBeGreaterThan(heldFence);
    expect((await taker.exited).code).toBe(0);
  }, 15_000);
});
