import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, Cacheable, TieredCache } from '../src/index.js';
import { eventually, redisUrl, uniqueNamespace } from './support.js';

@Injectable()
class PricesService {
  calls = 0;
  failing = false;

  @Cacheable({ key: 'price', ttl: 60, grace: 10_000, failSafeThrottle: 10_000 })
  async price(): Promise<number> {
    this.calls++;
    if (this.failing) throw new Error('pricing service down');
    return this.calls;
  }
}

describe('@Cacheable with grace and fail-safe', () => {
  it('serves the last good value while the source fails', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('grace'), l2: { redis: redisUrl() } })],
      providers: [PricesService],
    }).compile();
    await moduleRef.init();
    const prices = moduleRef.get(PricesService);
    const stale: string[] = [];
    moduleRef.get(TieredCache).events.on('stale', ({ reason, label }) => stale.push(`${label}:${reason}`));
    expect(await prices.price()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    prices.failing = true;
    try {
      expect(await prices.price()).toBe(1);
      // The background refresh fails; once that is handled, a call is answered fresh from the
      // throttle (no stale event), and the throttle keeps serving the stale value without retrying.
      await eventually(async () => {
        const before = stale.length;
        return prices.calls === 2 && (await prices.price()) === 1 && stale.length === before;
      });
      for (let i = 0; i < 5; i++) expect(await prices.price()).toBe(1);
      expect(prices.calls).toBe(2);
      expect(stale[0]).toBe('PricesService.price:grace');
    } finally {
      await moduleRef.close();
    }
  });
});
