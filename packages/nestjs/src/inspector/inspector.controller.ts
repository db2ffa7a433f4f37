import {
  BadRequestException,
  Body,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Sse,
  StreamableFile,
  type MessageEvent,
} from '@nestjs/common';
import { ErrorCode, type TieredCache } from '@tiercache/core';
import type { Observable } from 'rxjs';
import { InspectorAssets } from './inspector.assets.js';
import { actorOf } from './inspector.guard.js';
import { InspectorService } from './inspector.service.js';

/** Stable code of the 400 an action without `"confirm": true` gets. */
export const INSPECTOR_NOT_CONFIRMED = 'E_INSPECTOR_NOT_CONFIRMED';

interface ActionBody {
  confirm?: unknown;
  tags?: unknown;
}

function requireConfirmation(body: ActionBody | undefined): void {
  // Actions change the cache for every user: the API takes them only when asked for explicitly, so a
  // stray request does not clear a cache by accident. A JSON `true` also keeps cross-site forms out
  // when the guard relies on a cookie: a form can send `confirm=true` (a string), never JSON `true`
  // (that needs a JSON content type, which a cross-site page cannot send without CORS).
  if (body?.confirm !== true) {
    throw new BadRequestException({ statusCode: 400, code: INSPECTOR_NOT_CONFIRMED, message: 'Send {"confirm": true} to take this action.' });
  }
}

function notFound(what: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, code: ErrorCode.InvalidArgument, message: `No ${what}.` });
}

function basePath(request: { originalUrl?: string; url: string }): string {
  return (request.originalUrl ?? request.url).split('?')[0]!.replace(/\/+$/, '');
}

/**
 * The page, its assets, the JSON state, the event stream and the actions. Mounted under the
 * configured path by `InspectorModule.forRoot`, which subclasses this with `@Controller(path)`.
 */
export class InspectorController {
  // Explicit tokens: this class carries no decorator, so TypeScript emits no parameter types for it.
  constructor(
    @Inject(InspectorService) private readonly inspector: InspectorService,
    @Inject(InspectorAssets) private readonly assets: InspectorAssets,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:")
  page(@Req() request: { originalUrl?: string; url: string }): string {
    return this.assets.page(basePath(request));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string): StreamableFile {
    const asset = this.assets.asset(file);
    if (asset === undefined) throw notFound(`inspector asset "${file}"`);
    return new StreamableFile(asset.body, { type: asset.type, length: asset.body.length });
  }

  @Get('api/state')
  @Header('Cache-Control', 'no-store')
  state() {
    return this.inspector.state();
  }

  @Sse('api/stream')
  stream(): Observable<MessageEvent> {
    return this.inspector.stream();
  }

  /** Starts the run and answers at once: progress and the outcome arrive on the stream. */
  @Post('api/warmers/:name/run')
  @HttpCode(202)
  runWarmer(@Param('name') name: string, @Body() body: ActionBody | undefined, @Req() request: unknown) {
    requireConfirmation(body);
    const warmers = this.inspector.warmers;
    if (warmers === undefined || !warmers.names().includes(name)) throw notFound(`warmer named "${name}"`);
    const who = actorOf(request);
    this.inspector.record({ who, action: 'run-warmer', target: name, outcome: 'started' });
    void warmers.run(name).then(
      (result) => {
        const outcome = (result as { outcome?: string }).outcome;
        this.inspector.record({ who, action: 'run-warmer', target: name, detail: outcome, outcome: outcome === 'failed' ? 'failed' : 'done' });
      },
      (error: unknown) => this.inspector.record({ who, action: 'run-warmer', target: name, detail: String(error), outcome: 'failed' }),
    );
    return { accepted: true, warmer: name };
  }

  @Post('api/caches/:name/invalidate')
  @HttpCode(200)
  async invalidateTags(@Param('name') name: string, @Body() body: ActionBody | undefined, @Req() request: unknown) {
    requireConfirmation(body);
    const tags = body?.tags;
    if (!Array.isArray(tags) || tags.length === 0 || tags.length > 100 || tags.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new BadRequestException({ statusCode: 400, code: ErrorCode.InvalidArgument, message: 'Expected "tags": 1 to 100 non-empty strings.' });
    }
    return this.#act(name, request, 'invalidate-tags', tags.join(', '), (cache) => cache.invalidateTags(tags as string[]));
  }

  @Post('api/caches/:name/clear')
  @HttpCode(200)
  async clear(@Param('name') name: string, @Body() body: ActionBody | undefined, @Req() request: unknown) {
    requireConfirmation(body);
    return this.#act(name, request, 'clear-cache', undefined, (cache) => cache.clear());
  }

  async #act(
    name: string,
    request: unknown,
    action: 'invalidate-tags' | 'clear-cache',
    detail: string | undefined,
    run: (cache: TieredCache) => Promise<void>,
  ): Promise<{ done: true }> {
    const registry = this.inspector.registry;
    if (!registry.has(name)) throw notFound(`cache named "${name}"`);
    const who = actorOf(request);
    try {
      await run(registry.get(name));
    } catch (error) {
      this.inspector.record({ who, action, target: name, detail: `${detail ?? ''} ${String(error)}`.trim(), outcome: 'failed' });
      throw error;
    }
    this.inspector.record({ who, action, target: name, ...(detail !== undefined && { detail }), outcome: 'done' });
    return { done: true };
  }
}
