import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { RedisClient, TieredCache } from '@tiercache/core';
import type { Cluster, Redis } from 'ioredis';
import { CacheRegistry } from '../cache-registry.js';
import { WARMER_STATUS_SOURCE } from '../warmers/warmers.constants.js';
import type { WarmerStatusSource } from '../warmers/warmer-status.js';
import type { CacheHealthCheckOptions } from './cache-health.options.js';
import { describeRedisError } from './redis-errors.js';
import { parseInfo } from './redis-info.js';
import { withTimeout } from './with-timeout.js';

type Severity = 'down' | 'degraded';

interface Problem {
  severity: Severity;
  message: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Terminus indicator for a Tiercache cache. Down when L2 is unreachable, slow to PING or behind an open
 * breaker; degraded (still serving) when L1 or Redis memory is nearly full, Redis evicted keys since the
 * previous check, or a warmer has not succeeded for too long. Never throws: every failure is reported
 * in the result, and every remote check has its own timeout.
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.cacheHealth.isHealthy('cache', { maxWarmerAgeMs: 120_000 })]);
 * }
 */
@Injectable()
export class CacheHealthIndicator {
  /** `evicted_keys` seen by the previous check, per client, to report evictions since then. */
  readonly #evicted = new WeakMap<object, number>();

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(WARMER_STATUS_SOURCE) private readonly warmers?: WarmerStatusSource,
  ) {}

  async isHealthy<const Key extends string>(key: Key, options: CacheHealthCheckOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const problems: Problem[] = [];
    const data: Record<string, unknown> = {};
    try {
      const cache = this.moduleRef.get<CacheRegistry>(CacheRegistry, { strict: false }).get(options.cache);
      this.#checkL1(cache, options, data, problems);
      await this.#checkL2(cache, options, data, problems);
      this.#checkWarmers(options, data, problems);
    } catch (error) {
      problems.push({ severity: 'down', message: `the check itself failed: ${message(error)}` });
    }
    if (problems.length > 0) data.problems = problems.map((p) => p.message);
    if (problems.some((p) => p.severity === 'down')) return indicator.down(data);
    if (problems.length > 0) return indicator.degraded(data);
    return indicator.up(data);
  }

  #checkL1(cache: TieredCache, options: CacheHealthCheckOptions, data: Record<string, unknown>, problems: Problem[]): void {
    const l1 = cache.status().l1;
    if (l1 === undefined) return;
    const fill = Math.max(l1.entries / l1.maxEntries, l1.bytes / l1.maxBytes);
    data.l1 = { ...l1, fill: Math.round(fill * 1000) / 1000 };
    if (fill >= (options.maxL1Fill ?? 0.95)) {
      problems.push({ severity: 'degraded', message: `L1 is ${Math.round(fill * 100)}% full and evicting: raise l1.maxEntries or l1.maxBytes` });
    }
  }

  async #checkL2(cache: TieredCache, options: CacheHealthCheckOptions, data: Record<string, unknown>, problems: Problem[]): Promise<void> {
    const l2 = cache.status().l2;
    if (l2 === undefined) return;
    const report: Record<string, unknown> = { ...l2 };
    data.l2 = report;
    const client = options.redis ?? cache.redisClient;
    if (!l2.connected) {
      const own = cache.redisClient;
      const at = own === undefined || own.isCluster ? '' : ` at ${(own as Redis).options.host}:${(own as Redis).options.port}`;
      problems.push({ severity: 'down', message: `L2 (Redis)${at} is not connected: the cache serves from L1 and loaders until it reconnects` });
    }
    // By node: on a cluster, one master may be skipped while the others serve.
    for (const { node, error } of l2.openNodes) {
      const which = node === '*' ? 'every Redis node' : node;
      problems.push({ severity: 'down', message: `the L2 circuit breaker is open for ${which} (${describeRedisError(error)}): its Redis calls are being skipped` });
    }
    if (client === undefined) return;
    // The cache's own client, disconnected: PING and INFO could only fail the same way, in ioredis' words.
    if (options.redis === undefined && !l2.connected) return;
    const timeoutMs = options.timeoutMs ?? 1_000;
    if (options.redis === undefined && client.isCluster) await this.#checkNodes(cache, timeoutMs, report, problems);

    const started = performance.now();
    try {
      await withTimeout(client.ping(), timeoutMs, 'PING');
      const pingMs = Math.round((performance.now() - started) * 100) / 100;
      report.pingMs = pingMs;
      const maxPingMs = options.maxPingMs ?? 250;
      if (pingMs > maxPingMs) problems.push({ severity: 'down', message: `PING took ${pingMs} ms (limit ${maxPingMs} ms)` });
    } catch (error) {
      problems.push({ severity: 'down', message: `PING failed: ${describeRedisError(error)}` });
      // INFO would fail the same way, after another timeout.
      return;
    }

    try {
      await this.#checkMemory(client, timeoutMs, options, report, problems);
    } catch (error) {
      problems.push({ severity: 'degraded', message: `INFO failed: ${describeRedisError(error)}` });
    }
  }

  /** On a cluster, every node: a master down (or failed slots) is down, a replica down is degraded (no failover cover). */
  async #checkNodes(cache: TieredCache, timeoutMs: number, report: Record<string, unknown>, problems: Problem[]): Promise<void> {
    const health = await cache.l2Health(timeoutMs);
    if (health === undefined) return;
    report.nodes = health.nodes;
    if (health.cluster !== undefined) {
      report.cluster = health.cluster;
      if (health.cluster.state !== 'ok' || health.cluster.slotsFail > 0) {
        problems.push({ severity: 'down', message: `cluster state is ${health.cluster.state} with ${health.cluster.slotsFail} failed slots` });
      }
    }
    for (const node of health.nodes) {
      if (node.up) continue;
      problems.push({
        severity: node.role === 'replica' ? 'degraded' : 'down',
        message: `${node.role} ${node.address} is down${node.error ? `: ${describeRedisError(node.error)}` : ''}`,
      });
    }
  }

  async #checkMemory(
    client: RedisClient,
    timeoutMs: number,
    options: CacheHealthCheckOptions,
    report: Record<string, unknown>,
    problems: Problem[],
  ): Promise<void> {
    // A cluster is as healthy as its fullest master.
    const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client];
    let worst = { usedMemory: 0, maxMemory: 0, fill: 0 };
    let evictedKeys = 0;
    for (const node of nodes) {
      const info = parseInfo(await withTimeout(node.info('memory') as Promise<string>, timeoutMs, 'INFO memory'));
      const stats = parseInfo(await withTimeout(node.info('stats') as Promise<string>, timeoutMs, 'INFO stats'));
      const usedMemory = Number(info.get('used_memory') ?? 0);
      const maxMemory = Number(info.get('maxmemory') ?? 0);
      // maxmemory 0 means no limit: Redis grows until the OS stops it, so there is no fill to report.
      const fill = maxMemory > 0 ? usedMemory / maxMemory : 0;
      if (fill >= worst.fill) worst = { usedMemory, maxMemory, fill };
      evictedKeys += Number(stats.get('evicted_keys') ?? 0);
    }
    const previous = this.#evicted.get(client);
    this.#evicted.set(client, evictedKeys);
    const evictedSinceLastCheck = previous === undefined ? undefined : Math.max(0, evictedKeys - previous);
    Object.assign(report, { ...worst, fill: Math.round(worst.fill * 1000) / 1000, evictedKeys, evictedSinceLastCheck });

    const maxFill = options.maxRedisMemoryFill ?? 0.9;
    if (worst.maxMemory > 0 && worst.fill >= maxFill) {
      problems.push({ severity: 'degraded', message: `Redis uses ${Math.round(worst.fill * 100)}% of maxmemory` });
    }
    if (evictedSinceLastCheck !== undefined && evictedSinceLastCheck > 0) {
      problems.push({ severity: 'degraded', message: `Redis evicted ${evictedSinceLastCheck} keys since the previous check` });
    }
  }

  #checkWarmers(options: CacheHealthCheckOptions, data: Record<string, unknown>, problems: Problem[]): void {
    const limits = options.maxWarmerAgeMs;
    if (limits === undefined || this.warmers === undefined) return;
    const now = Date.now();
    const stale: string[] = [];
    for (const status of this.warmers.statuses()) {
      const maxAgeMs = typeof limits === 'number' ? limits : limits[status.name];
      if (maxAgeMs === undefined) continue;
      // A warmer that has never succeeded is only stale once it has tried and failed.
      const late = status.lastSuccess === undefined ? status.runs.failed > 0 : now - status.lastSuccess.getTime() > maxAgeMs;
      if (late) stale.push(status.name);
    }
    data.warmers = { stale };
    if (stale.length > 0) {
      problems.push({ severity: 'degraded', message: `warmers without a recent success: ${stale.join(', ')}` });
    }
  }
}
