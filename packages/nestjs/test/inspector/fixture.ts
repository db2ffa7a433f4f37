import { Injectable, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cacheable, CacheModule, CacheTags } from '@tiercache/nestjs';
import { InspectorModule, type InspectorModuleOptions } from '@tiercache/nestjs/inspector';
import { CacheWarmer, WarmersModule, type WarmerContext } from '@tiercache/nestjs/warmers';
import { redisUrl } from '../support.js';

@Injectable()
export class Products {
  loads = 0;

  @Cacheable({ key: (id: number) => ['product', id] })
  @CacheTags((id: number) => `product:${id}`)
  async find(id: number): Promise<{ id: number; load: number }> {
    return { id, load: ++this.loads };
  }
}

@Injectable()
export class ProductsWarmer {
  @CacheWarmer({ name: 'products' })
  async warm(ctx: WarmerContext): Promise<void> {
    for (let done = 1; done <= 3; done++) {
      await ctx.setMany([{ key: ['warm', done], value: done }]);
      ctx.progress(done, 3);
    }
  }
}

/** Keeps what Nest logs, to assert on it. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, context?: string): void {
    this.lines.push(`log [${context}] ${String(message)}`);
  }
  warn(message: unknown, context?: string): void {
    this.lines.push(`warn [${context}] ${String(message)}`);
  }
  error(message: unknown, context?: string): void {
    this.lines.push(`error [${context}] ${String(message)}`);
  }
}

export async function inspectedApp(
  namespace: string,
  inspector: InspectorModuleOptions,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({ isGlobal: true, namespace, ttl: 60_000, l2: { redis: redisUrl() } }),
      WarmersModule.forRoot(),
      InspectorModule.forRoot({ enabled: true, sampleEveryMs: 50, ...inspector }),
    ],
    providers: [Products, ProductsWarmer],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return app;
}

/** Polls `check` until it stops throwing; bounded, so a behaviour that never happens fails the test. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
