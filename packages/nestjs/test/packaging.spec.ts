import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/*
 * What a user's `npm install` gets: both packages packed, installed from the tarballs into a scratch
 * Nest 12 app outside the workspace (its own package.json, no workspace links), compiled with tsc and
 * run. Bounded in time; the scratch directory is removed whatever happens.
 */
const run = promisify(execFile);
const root = resolve(__dirname, '..', '..', '..');
const fixture = join(root, 'tools', 'packaging', 'fixture');

/** Child processes must not inherit the npm settings of the `npm test` that runs Jest (workspace, prefix…). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

async function sh(file: string, args: string[], cwd: string, timeout: number): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, timeout, env: cleanEnv(), maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stderr ?? ''}\n${stdout ?? ''}`, { cause: error });
  }
}

interface Packed {
  filename: string;
  files: { path: string }[];
}

describe('the packed packages, installed as a user would', () => {
  let scratch: string;
  let packed: Packed[];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tiercache-packaging-'));
    // Up to date after `npm run build` (a no-op then); builds what this spec needs when run alone.
    await sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/core', 'packages/nestjs'], root, 120_000);
    const out = await sh('npm', ['pack', '--json', '--pack-destination', scratch, '-w', 'packages/core', '-w', 'packages/nestjs'], root, 60_000);
    packed = JSON.parse(out) as Packed[];
  }, 200_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('ships README, LICENSE, .js with .d.ts, maps with their sources inlined, and no .tsbuildinfo', async () => {
    expect(packed.map((p) => p.filename).sort()).toEqual(['tiercache-core-0.1.0.tgz', 'tiercache-nestjs-0.1.0.tgz']);
    for (const { files, filename } of packed) {
      const paths = files.map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
      expect(paths.filter((path) => path.includes('tsbuildinfo') || path.startsWith('src/') || path.includes('.spec.'))).toEqual([]);
      // The inspector's page script is a static asset, not a module with types.
      for (const js of paths.filter((path) => path.endsWith('.js') && !path.includes('/assets/'))) {
        expect([filename, paths.includes(js.replace(/\.js$/, '.d.ts'))]).toEqual([filename, true]);
      }
    }
    const map = JSON.parse(await readFile(join(root, 'packages', 'nestjs', 'dist', 'cache.module.js.map'), 'utf8')) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain('export class CacheModule');
  });

  it('installs into a scratch Nest 12 app, compiles with tsc and runs: cached method, warmer, health, L1 only', async () => {
    const app = join(scratch, 'app');
    await cp(fixture, app, { recursive: true });
    const manifest = (await readFile(join(app, 'package.json'), 'utf8'))
      .replace('TIERCACHE_CORE_TGZ', join(scratch, 'tiercache-core-0.1.0.tgz'))
      .replace('TIERCACHE_NESTJS_TGZ', join(scratch, 'tiercache-nestjs-0.1.0.tgz'));
    await writeFile(join(app, 'package.json'), manifest);
    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app, 240_000);
    // Installed as files, not linked back into the workspace.
    const installed = JSON.parse(await readFile(join(app, 'node_modules', '@tiercache', 'nestjs', 'package.json'), 'utf8')) as { name: string };
    expect(installed.name).toBe('@tiercache/nestjs');

    await sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app, 120_000);
    const output = await sh(process.execPath, ['dist/main.js'], app, 60_000);
    const result = JSON.parse(output.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result).toEqual({
      loads: 1,
      cached: { id: 1, name: 'agent 1' },
      warmer: { succeeded: 1, failed: 0, skipped: 0 },
      warmed: [1, 2, 3],
      health: 'up',
      missingPeer: expect.stringContaining('requires the optional peer dependency prom-client, which is not installed. Run: npm install prom-client'),
    });
  }, 480_000);
});
