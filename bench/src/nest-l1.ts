// L1 hit through a @Cacheable method of a provider resolved from a real Nest application context.
// `fast` / `safe`: its throughput alone; `paired`: the default mode against lru-cache get inside an
// awaited async function, in alternating rounds in this process (the target's figure).
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheModule, Cacheable } from '@tiercache/nestjs';
import { LRUCache } from 'lru-cache';
// @ts-expect-error plain .mjs helpers shared with the other scenarios
import { KEY_COUNT, makeValue, paired, report, silentLogger, throughput } from '../lib/common.mjs';

const mode = process.argv[2] === 'fast' ? 'fast' : 'safe';
const pairedRun = process.argv[2] === 'paired';

@Injectable()
class AgentService {
  loads = 0;

  @Cacheable({ key: (id: number) => `item:${id}` })
  async findAgent(id: number): Promise<Record<string, unknown>> {
    this.loads++;
    return makeValue(id);
  }
}

@Module({
  imports: [
    CacheModule.forRoot({
      namespace: `nest-${mode}`,
      ttl: 60_000,
      l1: { maxEntries: 10_000, maxBytes: 1024 * 1024 * 1024, mutationSafe: mode === 'safe' },
      l2: { redis: process.env.REDIS_URL! },
      logger: silentLogger,
    }),
  ],
  providers: [AgentService],
})
class BenchModule {}

const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
await app.init();
const service = app.get(AgentService);
const mask = KEY_COUNT - 1;
for (let i = 0; i < KEY_COUNT; i++) await service.findAgent(i);
const loadsBefore = service.loads;
let sink = 0;
const callMethod = async (n: number) => {
  for (let i = 0; i < n; i++) sink += (await service.findAgent(i & mask)).id as number;
};
let result;
if (pairedRun) {
  const lru = new LRUCache<string, Record<string, unknown>>({ max: 10_000 });
  for (let i = 0; i < KEY_COUNT; i++) lru.set(`item:${i}`, makeValue(i));
  const get = async (id: number) => lru.get(`item:${id}`)!;
  const baseline = async (n: number) => {
    for (let i = 0; i < n; i++) sink += (await get(i & mask)).id as number;
  };
  result = await paired(baseline, callMethod, { batch: 10_000, clock: 'cpu' });
} else {
  result = await throughput(callMethod, { clock: 'cpu' });
}
if (sink < 0) console.log(sink);
const extraLoads = service.loads - loadsBefore;
await app.close();
report({ kind: pairedRun ? 'nest-cacheable-paired' : `nest-cacheable-${mode}`, ...result, extraLoads });
process.exit(0);
