import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CacheEvict, CacheModule } from '../src/index.js';
import { redisUrl, uniqueNamespace } from './support.js';

const namespace = uniqueNamespace('procs');
const database = new Redis(redisUrl());
afterAll(() => database.quit());

@Injectable()
class VotesService {
  @CacheEvict({ tags: (id: number) => [`agent:${id}`] })
  async vote(id: number, value: number): Promise<void> {
    await database.incrby(`${namespace}:reputation:${id}`, value);
  }
}

describe('two Nest apps in separate OS processes sharing Redis', () => {
  it("evicting a tag in one app drops the other process's L1 copy", async () => {
    const fixture = join(__dirname, 'fixtures', 'nest-peer.mjs');
    if (!existsSync(join(__dirname, '..', 'dist', 'index.js'))) throw new Error('packages/nestjs/dist is missing: run `npm run build` first');
    await database.set(`${namespace}:reputation:1`, 10);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } })],
      providers: [VotesService],
    }).compile();
    await moduleRef.init();
    const peer = fork(fixture, [redisUrl(), namespace], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const get = () =>
      new Promise<{ value: { reputation: number }; loads: number }>((resolve) => {
        peer.once('message', (message) => resolve(message as { value: { reputation: number }; loads: number }));
        peer.send('get');
      });
    try {
      await new Promise((resolve) => peer.once('message', resolve)); // ready
      expect(await get()).toEqual({ value: { id: 1, reputation: 10 }, loads: 1 });
      expect(await get()).toEqual({ value: { id: 1, reputation: 10 }, loads: 1 }); // from the peer's cache
      await moduleRef.get(VotesService).vote(1, 5);
      let seen = await get();
      for (let tries = 0; seen.value.reputation !== 15 && tries < 200; tries++) seen = await get();
      expect(seen).toEqual({ value: { id: 1, reputation: 15 }, loads: 2 });
    } finally {
      peer.kill();
      await moduleRef.close();
    }
  }, 20_000);
});
