import type { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Database } from '../src/db/database.js';
import { INSPECTOR_TOKEN_HEADER } from '../src/inspector/inspector-policy.js';
import { randomUUID } from 'node:crypto';
import { START_TIMEOUT_MS, startApp } from './app.js';

/*
 * The inspector page in a real headless Chromium (Debian's, installed by scripts/ensure-chromium.sh),
 * on the sample app under a little load, with the token guard the app uses outside development, and
 * a second instance on the same Redis namespace for the fleet view.
 * Every wait is bounded; the browser, the load and the app are stopped in afterAll whatever happens.
 */
// These run in the page, not in Node: the typecheck has no DOM library, and must not get one for all files.
declare const document: any;
declare const window: any;
declare const MutationObserver: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789';
const ARTIFACTS = join(__dirname, '..', '..', '..', '.scratch', 'inspector');
const WAIT_MS = 20_000;
/** Per test: room for one page wait of WAIT_MS and the checks around it, well short of a hang. */
const TEST_MS = 2 * WAIT_MS;

/** Requests in a loop, a few at a time, until stopped: enough for hit rates and counters to move. */
function startLoad(url: string): { stop: () => Promise<void> } {
  let running = true;
  const paths = (i: number) => [`/agents/${(i % 40) + 1}`, `/agents/${(i % 25) + 1}/stats`, '/leaderboards/daily', `/agents?limit=10&offset=${(i % 5) * 10}`];
  const worker = async (w: number) => {
    for (let i = w; running; i += 4) {
      for (const path of paths(i)) if (running) await fetch(`${url}${path}`).then((r) => r.arrayBuffer()).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

describe('inspector page in Chromium', () => {
  let app: INestApplication;
  let other: INestApplication | undefined;
  let url: string;
  let browser: Browser | undefined;
  /** What beforeAll started: afterAll waits for it, so what it starts after its own timeout is stopped too. */
  let setup: Promise<void> | undefined;
  let page: Page;
  let load: { stop: () => Promise<void> } | undefined;
  const pageErrors: string[] = [];

  beforeAll(() => (setup = start()), 2 * START_TIMEOUT_MS);

  async function start(): Promise<void> {
    const config = { environment: 'production', inspectorToken: TOKEN, cacheNamespace: `lb-inspector-${randomUUID()}` };
    app = await startApp(config);
    other = await startApp(config);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    load = startLoad(url);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'], timeout: WAIT_MS });
    // The guard reads a header: the browser sends it on every request, the event stream included.
    const context = await browser.newContext({ extraHTTPHeaders: { [INSPECTOR_TOKEN_HEADER]: TOKEN }, viewport: { width: 1360, height: 1000 } });
    context.setDefaultTimeout(WAIT_MS);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && pageErrors.push(message.text())));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${url}/_tiercache`);
  }

  afterAll(async () => {
    await setup?.catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await load?.stop();
    await other?.close();
    await app?.close();
  }, 2 * START_TIMEOUT_MS + 30_000);

  it('is refused without the token', async () => {
    const response = await fetch(`${url}/_tiercache/api/state`);
    expect(response.status).toBe(403);
  }, TEST_MS);

  it('goes live and draws the hit-rate charts with data', async () => {
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    for (const id of ['chart-caches', 'chart-methods']) {
      await page.waitForFunction((chart) => Number(document.getElementById(chart)!.dataset.points) >= 3, id);
      // Drawn lines, not just axes: grid and labels are grey or black, series are coloured.
      const coloured = await page.evaluate((chart) => {
        const canvas = document.querySelector(`#${chart} canvas`);
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
          if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 80) count++;
        }
        return count;
      }, id);
      expect(coloured).toBeGreaterThan(50);
    }
    expect(await page.locator('#chart-caches').getAttribute('data-series')).toContain('agents');
    expect(await page.locator('#chart-methods').getAttribute('data-series')).toContain('AgentsService.findById');
    await page.locator('#caches tr[data-key="agents"]').waitFor();
    await page.locator('#fleet tr', { hasText: '(this page)' }).waitFor();
  }, TEST_MS);

  it('shows both instances of the fleet', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-key]').length === 2);
    await page.locator('#fleet-note', { hasText: '2 instance(s) publishing through Redis' }).waitFor();
  }, TEST_MS);

  it('shows numbers that move without a reload', async () => {
    const reads = async () => Number((await page.locator('#total-reads').textContent())!.replace(/,/g, ''));
    const before = await reads();
    expect(before).toBeGreaterThan(0);
    await page.waitForFunction((n) => Number(document.getElementById('total-reads')!.textContent!.replace(/,/g, '')) > n, before);
  }, TEST_MS);

  it('runs a warmer from its button, showing its progress until it completes', async () => {
    const row = page.locator('#warmers tr[data-key="leaderboards"]');
    const runs = async () => Number((await row.locator('td').nth(7).textContent())!.split(' / ')[0]);
    const succeeded = await runs();
    // Every progress value the page shows for this run, as it shows it.
    await page.evaluate(() => {
      const seen: string[] = ((window as any).progressSeen = []);
      new MutationObserver(() => {
        const cell = document.querySelector('#warmers tr[data-key="leaderboards"]')?.children[6];
        if (cell && seen.at(-1) !== cell.textContent) seen.push(cell.textContent!);
      }).observe(document.getElementById('warmers')!, { subtree: true, childList: true, characterData: true });
    });
    await row.locator('button', { hasText: 'Run now' }).click();
    await page.waitForFunction((n) => {
      const cell = document.querySelector('#warmers tr[data-key="leaderboards"]')?.children[7];
      return Number(cell?.textContent?.split(' / ')[0]) > n;
    }, succeeded);
    expect(await runs()).toBe(succeeded + 1);
    const seen: string[] = await page.evaluate(() => (window as any).progressSeen);
    // From the start of this run (progress back to 0) through each step the warmer reported.
    expect(seen.slice(seen.indexOf('0'))).toEqual(['0', '1 / 4', '2 / 4', '3 / 4', '4 / 4']);
    await page.locator('#actions li', { hasText: 'run-warmer leaderboards (succeeded), done' }).waitFor();
  }, TEST_MS);

  it('invalidates a tag from the page, and the next read sees the database again', async () => {
    const agent = async () => (await (await fetch(`${url}/agents/7`)).json()) as { name: string };
    const cached = await agent();
    // Behind the cache's back: no eviction, so the cache keeps answering with the old name.
    await app.get(Database).query('UPDATE agents SET name = $1 WHERE id = 7', ['renamed-behind-the-cache']);
    expect((await agent()).name).toBe(cached.name);

    await page.locator('#action-cache').selectOption('agents');
    await page.locator('#action-tag').fill('agent:7');
    await page.locator('#invalidate').click();
    await page.locator('#action-result', { hasText: 'Invalidated "agent:7" in agents.' }).waitFor();
    expect((await agent()).name).toBe('renamed-behind-the-cache');
    await page.locator('#actions li', { hasText: /token holder .*: invalidate-tags agents \(agent:7\), done/ }).waitFor();
  }, TEST_MS);

  it('raised no error in the page, and leaves a screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, TEST_MS);
});
