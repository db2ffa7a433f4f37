import { Body, Controller, Delete, Get, Injectable, Param, Post, type INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { CacheEvict, CacheModule, Cacheable, CacheTags, TieredCache } from '../../src/index.js';
import { HttpCache, HttpCacheModule } from '../../src/http/index.js';
import { TenantContext, tenantFromHeader } from '../../src/tenancy/index.js';
import { redisUrl, uniqueNamespace } from '../support.js';
import { startApp, type AdapterName } from '../http/http-fixture.js';

/** Each tenant's notes; every value written starts with its tenant, so a leak is visible in any body. */
@Injectable()
class Notes {
  readonly rows = new Map<string, string>();
  runs = 0;

  tenant(): string {
    const tenant = TenantContext.current()?.tenant ?? (TenantContext.current()?.request as { headers: Record<string, string> }).headers['x-tenant'];
    return tenant!;
  }

  @Cacheable({ key: (id: string) => ['summary', id] })
  @CacheTags((id: string) => `note:${id}`)
  async summary(id: string): Promise<{ tenant: string; text: string }> {
    const tenant = this.tenant();
    return { tenant, text: `summary of ${this.rows.get(`${tenant}/${id}`) ?? `${tenant}:none`}` };
  }
}

@Controller('notes')
class NotesController {
  constructor(
    private readonly notes: Notes,
    private readonly cache: TieredCache,
  ) {}

  @Get(':id')
  @HttpCache({ tags: [(request: { params: { id: string } }) => `note:${request.params.id}`] })
  read(@Param('id') id: string) {
    this.notes.runs++;
    const tenant = this.notes.tenant();
    return { tenant, value: this.notes.rows.get(`${tenant}/${id}`) ?? `${tenant}:none` };
  }

  @Get(':id/summary')
  summary(@Param('id') id: string) {
    return this.notes.summary(id);
  }

  @Post(':id')
  @CacheEvict({ tags: (id: string) => [`note:${id}`] })
  async write(@Param('id') id: string, @Body() body: { value: string }): Promise<void> {
    this.notes.rows.set(`${this.notes.tenant()}/${id}`, body.value);
  }

  @Get('shared/banner')
  @HttpCache({ shared: true })
  banner() {
    this.notes.runs++;
    return { banner: 'for everyone' };
  }

  @Delete()
  async clear(): Promise<void> {
    await this.cache.clear();
  }
}

type Op = { tenant: number; kind: 'read' | 'summary' | 'write' | 'clear'; id: number };

describe.each<AdapterName>(['express', 'fastify'])('tenant isolation under concurrent requests on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let notes: Notes;
  let round = 0;

  beforeAll(async () => {
    ({ app, url } = await startApp(adapter, {
      imports: [
        CacheModule.forRoot({ isGlobal: true, namespace: uniqueNamespace(`tenants-${adapter}`), l2: { redis: redisUrl() }, tenancy: { resolve: tenantFromHeader('x-tenant') } }),
        HttpCacheModule.forRoot({ global: true }),
      ],
      controllers: [NotesController],
      providers: [Notes],
    }));
    notes = app.get(Notes);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses a request with no tenant before the handler runs', async () => {
    const before = notes.runs;
    const response = await fetch(`${url}/notes/1`);
    expect(response.status).toBe(500);
    expect(notes.runs).toBe(before);
  });

  it('serves a route marked shared to every tenant, and to requests with none, from one entry', async () => {
    const before = notes.runs;
    const none = await fetch(`${url}/notes/shared/banner`);
    expect(none.status).toBe(200);
    expect(none.headers.get('x-cache')).toBe('miss');
    for (const tenant of ['acme', 'globex']) {
      const response = await fetch(`${url}/notes/shared/banner`, { headers: { 'x-tenant': tenant } });
      expect(response.headers.get('x-cache')).toBe('hit');
      expect(await response.json()).toEqual({ banner: 'for everyone' });
    }
    expect(notes.runs).toBe(before + 1);
  });

  it('marks a tenant’s response private and varying by the tenant header, so no shared cache downstream serves it to another', async () => {
    const response = await fetch(`${url}/notes/9`, { headers: { 'x-tenant': 'acme' } });
    expect(response.headers.get('cache-control')).toMatch(/^private, /);
    expect(response.headers.get('vary')).toBe('x-tenant');
    const shared = await fetch(`${url}/notes/shared/banner`, { headers: { 'x-tenant': 'acme' } });
    expect(shared.headers.get('cache-control')).toMatch(/^public, /);
    expect(shared.headers.get('vary')).toBeNull();
  });

  it('never answers a tenant with another tenant’s data, whatever the interleaving', async () => {
    const op = fc.record({
      tenant: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom<Op['kind']>('read', 'read', 'summary', 'write', 'clear'),
      id: fc.integer({ min: 1, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        // Fresh tenant ids each run, so runs never see each other's entries.
        const tenants = [0, 1, 2].map((i) => `r${round}-t${i}`);
        round++;
        let written = 0;
        for (const batch of batches) {
          const bodies = await Promise.all(
            batch.map(async ({ tenant, kind, id }) => {
              const headers = { 'x-tenant': tenants[tenant]! };
              if (kind === 'write') {
                const value = `${tenants[tenant]}:${written++}`;
                const json = { ...headers, 'content-type': 'application/json' };
                const response = await fetch(`${url}/notes/${id}`, { method: 'POST', headers: json, body: JSON.stringify({ value }) });
                expect(response.status).toBe(201);
                return undefined;
              }
              if (kind === 'clear') {
                expect((await fetch(`${url}/notes`, { method: 'DELETE', headers })).status).toBe(200);
                return undefined;
              }
              const response = await fetch(`${url}/notes/${id}${kind === 'summary' ? '/summary' : ''}`, { headers });
              expect(response.status).toBe(200);
              return { tenant: tenants[tenant]!, body: JSON.stringify(await response.json()) };
            }),
          );
          for (const read of bodies) {
            if (read === undefined) continue;
            const others = tenants.filter((tenant) => tenant !== read.tenant);
            expect(read.body).toContain(`"tenant":"${read.tenant}"`);
            for (const other of others) expect(read.body).not.toContain(other);
          }
        }
      }),
      { numRuns: 12 },
    );
    // Hundreds of real requests: Jest's 5 s default is too short on a loaded machine.
  }, 60_000);
});
