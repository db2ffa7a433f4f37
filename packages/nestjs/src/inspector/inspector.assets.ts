import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function own(file: string): Buffer {
  // Beside this module: src/inspector/assets in tests, dist/inspector/assets once built (copied by the build).
  return readFileSync(new URL(`./assets/${file}`, import.meta.url));
}

/**
 * The page and what it loads, read once at startup: uPlot comes from this package's own dependency
 * in node_modules, so the page needs no CDN and works offline.
 */
@Injectable()
export class InspectorAssets {
  readonly #page: string;
  readonly #assets: ReadonlyMap<string, Asset>;

  constructor() {
    const require = createRequire(import.meta.url);
    const uplot = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`));
    this.#page = own('inspector.html').toString('utf8');
    this.#assets = new Map<string, Asset>([
      ['inspector.js', { type: 'text/javascript; charset=utf-8', body: own('inspector.js') }],
      ['inspector.css', { type: 'text/css; charset=utf-8', body: own('inspector.css') }],
      ['uplot.js', { type: 'text/javascript; charset=utf-8', body: uplot('uPlot.iife.min.js') }],
      ['uplot.css', { type: 'text/css; charset=utf-8', body: uplot('uPlot.min.css') }],
    ]);
  }

  /** The page, with its links made absolute: it is served both with and without a trailing slash. */
  page(base: string): string {
    return this.#page.replaceAll('%BASE%', base.replace(/[^\w./~-]/g, ''));
  }

  asset(name: string): Asset | undefined {
    return this.#assets.get(name);
  }
}
