import { Body, Controller, Get, Header, HttpCode, Injectable, Param, Post, Query, Res, StreamableFile, UseInterceptors, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Readable } from 'node:stream';
import { of } from 'rxjs';
import { CacheEvict } from '../../src/index.js';
import { HttpCache, HttpCacheInterceptor, NoHttpCache } from '../../src/http/index.js';
import { deferred } from '../support.js';

/** Counts handler runs per route, so tests can tell a hit (no run) from a miss. */
@Injectable()
export class Runs {
  readonly counts = new Map<string, number>();
  gate = deferred<void>();
  failing = false;
  count(route: string): number {
    const next = (this.counts.get(route) ?? 0) + 1;
    this.counts.set(route, next);
    return next;
  }
  of(route: string): number {
    return this.counts.get(route) ?? 0;
  }
}

@Controller('agents')
@UseInterceptors(HttpCacheInterceptor)
@HttpCache({ ttl: 60_000 })
export class AgentsController {
  readonly names = new Map<string, string>([['1', 'ada'], ['2', 'bob']]);
  constructor(private readonly runs: Runs) {}

  @Get(':id')
  @HttpCache({ grace: 30_000, tags: [(request: { params: { id: string } }) => `agent:${request.params.id}`] })
  find(@Param('id') id: string, @Query() query: Record<string, string>) {
    return { id, name: this.names.get(id), query, run: this.runs.count(`find:${id}`) };
  }

  @Post(':id')
  @HttpCode(204)
  @CacheEvict({ tags: (id: string) => [`agent:${id}`] })
  async rename(@Param('id') id: string, @Body() body: { name: string }): Promise<void> {
    this.names.set(id, body.name);
  }

  @Get(':id/first')
  firstOf(@Param('id') id: string) {
    const run = this.runs.count('first');
    return of({ id, value: 'first', run }, { id, value: 'second', run });
  }

  @Get(':id/slow')
  async slow(@Param('id') id: string) {
    const run = this.runs.count('slow');
    await this.runs.gate.promise;
    return { id, run };
  }

  @Get('me/profile')
  me() {
    return { run: this.runs.count('me') };
  }

  @Get('lang/greeting')
  @HttpCache({ vary: ['accept-language'] })
  greeting() {
    return { run: this.runs.count('greeting') };
  }

  @Get('own/headers')
  @Header('cache-control', 'public, max-age=5')
  ownHeaders() {
    return { run: this.runs.count('own') };
  }

  @Get('cookie/route')
  @Header('set-cookie', 'sid=abc; HttpOnly')
  withCookie() {
    return { run: this.runs.count('cookie') };
  }

  @Get('off/route')
  @NoHttpCache()
  off() {
    return { run: this.runs.count('off') };
  }

  @Get('stale/route')
  @HttpCache({ ttl: 1, grace: 60_000 })
  stale() {
    return { run: this.runs.count('stale') };
  }

  @Get('teapot/route')
  teapot(@Res({ passthrough: true }) response: { status?: (code: number) => unknown; code?: (code: number) => unknown }) {
    if (response.code) response.code(418);
    else response.status!(418);
    return { run: this.runs.count('teapot') };
  }

  @Get('failing/route')
  @HttpCache({ ttl: 1, grace: 60_000 })
  sometimesFailing() {
    const run = this.runs.count('failing');
    if (this.runs.failing) throw new Error('database down');
    return { run };
  }

  @Get('files/one')
  file(): StreamableFile {
    this.runs.count('file');
    return new StreamableFile(Readable.from([Buffer.from('file body')]));
  }

  @Get('raw/one')
  raw(@Res() response: { send?: (body: string) => void; code?: (status: number) => { send: (body: string) => void } }) {
    this.runs.count('raw');
    if (response.code) response.code(200).send('raw');
    else response.send!('raw');
  }
}

/** A route-level interceptor on a controller that has none. */
@Controller('plain')
export class PlainController {
  constructor(private readonly runs: Runs) {}

  @Get('cached')
  @UseInterceptors(HttpCacheInterceptor)
  cached() {
    return `text ${this.runs.count('plain')}`;
  }

  @Get('uncached')
  uncached() {
    return `text ${this.runs.count('uncached')}`;
  }
}

export type AdapterName = 'express' | 'fastify';

/** Starts the app on a free loopback port; close it in afterAll. */
export async function startApp(adapter: AdapterName, metadata: ModuleMetadata): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = adapter === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  app.useLogger(false);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
