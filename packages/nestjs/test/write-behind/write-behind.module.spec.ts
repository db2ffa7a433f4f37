import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { WriteItem } from '@tiercache/core';
import { CacheModule, TieredCache } from '@tiercache/nestjs';
import { InjectWriteBehind, WriteBehind, WriteBehindModule, WriteBehindRegistry } from '@tiercache/nestjs/write-behind';
import { WriteBehindHealthIndicator } from '@tiercache/nestjs/write-behind/health';
import { registerWriteBehindMetrics } from '@tiercache/nestjs/write-behind/prometheus';
import { Registry } from 'prom-client';
import { redisUrl, uniqueNamespace } from '../support.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, verbose: () => undefined };

/** Stands for the application's database access, injected into the writer's factory. */
@Injectable()
class Rows {
  readonly rows = new Map<string, { seq: number; value: unknown }>();
  failing = false;
  async upsert(batch: readonly WriteItem[]): Promise<void> {
    if (this.failing) throw new Error('database down');
    for (const item of batch) {
      const row = this.rows.get(item.key);
      if (row === undefined || row.seq < item.seq) this.rows.set(item.key, { seq: item.seq, value: item.value });
    }
  }
}

@Module({ providers: [Rows], exports: [Rows] })
class RowsModule {}

@Injectable()
class Heartbeats {
  constructor(
    @InjectWriteBehind('beats') readonly queue: WriteBehind<{ at: number }>,
    readonly rows: Rows,
  ) {}
}

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WriteBehindModule', () => {
  const build = async (name: string, flushEveryMs = 10) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({ isGlobal: true, namespace: uniqueNamespace('wb-nest'), l2: { redis: redisUrl() } }),
        RowsModule,
        WriteBehindModule.registerAsync({
          name: 'beats',
          imports: [RowsModule],
          inject: [Rows],
          useFactory: (rows: Rows) => ({ writer: (batch) => rows.upsert(batch), flushEveryMs, retryBaseMs: 5, maxBackoffMs: 20, maxAttempts: 1_000, keyPrefix: `tc:wbn:${name}:` }),
        }),
      ],
      providers: [Heartbeats, WriteBehindHealthIndicator, HealthIndicatorService],
    })
      .setLogger(silent)
      .compile();
    await moduleRef.init();
    return moduleRef;
  };

  it('provides a named write-behind on the cache, writing through the injected writer, flushed on shutdown', async () => {
    // Flushes at start, then once a minute, or on shutdown.
    const name = `a-${Date.now()}`;
    const moduleRef = await build(name, 60_000);
    try {
      const beats = moduleRef.get(Heartbeats);
      await beats.queue.ready();
      // Each partition's flusher has read once and sleeps: no read for a while since its first.
      const redis = moduleRef.get(TieredCache).redisClient!;
      await eventually(async () => {
        for (let p = 0; p < 4; p++) {
          const consumers = (await redis.xinfo('CONSUMERS', `tc:wbn:${name}:{beats:${p}}:stream`, 'flushers')) as unknown[][];
          const idle = consumers.map((info) => Number(info[info.indexOf('idle') + 1]));
          if (!(idle.length === 1 && idle[0]! >= 100)) return false;
        }
        return true;
      });
      expect(beats.queue.durable).toBe(true);
      expect(moduleRef.get(WriteBehindRegistry).names()).toEqual(['beats']);
      await beats.queue.write('agent:1', { at: 1 });
      expect(await moduleRef.get(TieredCache).get('agent:1')).toEqual({ at: 1 });
      expect(await beats.queue.getOrSet('agent:1', () => ({ at: 0 }))).toEqual({ at: 1 });
      expect(beats.rows.rows.size).toBe(0);
    } finally {
      await moduleRef.close();
    }
    // The shutdown flush ran before the cache closed its connection.
    expect(moduleRef.get(Rows).rows.get('agent:1')?.value).toEqual({ at: 1 });
  });

  it('reports lag on health (degraded past the threshold) and depth, lag and flushes as Prometheus metrics', async () => {
    const moduleRef = await build(`b-${Date.now()}`);
    const registry = new Registry();
    try {
      const beats = moduleRef.get(Heartbeats);
      const stop = registerWriteBehindMetrics(registry, moduleRef.get(WriteBehindRegistry));
      const health = moduleRef.get(WriteBehindHealthIndicator);
      expect(await health.isHealthy('beats', { queue: 'beats', maxLagMs: 60_000 })).toMatchObject({ beats: { status: 'up', depth: 0 } });

      beats.rows.failing = true;
      await beats.queue.write('agent:3', { at: 3 });
      await eventually(async () => (await beats.queue.stats()).retries > 0);
      await eventually(async () => (await beats.queue.stats()).lagMs > 1);
      const degraded = await health.isHealthy('beats', { queue: 'beats', maxLagMs: 1 });
      expect(degraded).toMatchObject({ beats: { status: 'degraded', depth: 1 } });
      expect(JSON.stringify(degraded)).toContain('lag');

      const text = await registry.metrics();
      expect(text).toMatch(/tiercache_write_behind_depth\{queue="beats"\} 1/);
      expect(text).toMatch(/tiercache_write_behind_lag_seconds\{queue="beats"\} [0-9.]+/);
      expect(text).toMatch(/tiercache_write_behind_retries_total\{queue="beats"\} [1-9]/);
      beats.rows.failing = false;
      await eventually(async () => (await beats.queue.stats()).depth === 0);
      expect(await registry.metrics()).toMatch(/tiercache_write_behind_flush_duration_seconds_count\{queue="beats"\} [1-9]/);
      stop();
    } finally {
      await moduleRef.close();
    }
  });
});
