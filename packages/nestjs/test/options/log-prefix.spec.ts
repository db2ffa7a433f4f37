import { Injectable, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, Cacheable } from '../../src/index.js';

@Injectable()
class Uncacheable {
  @Cacheable({ key: 'fn' })
  async load(): Promise<unknown> {
    return { run: () => 1 };
  }
}

describe('log lines from the engine through Nest’s Logger', () => {
  it('do not repeat the prefix: "[Tiercache] a loader…", not "[Tiercache] Tiercache: a loader…"', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot({ l2: false })], providers: [Uncacheable] }).compile();
    try {
      await moduleRef.get(Uncacheable).load();
      const lines = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('cannot be cached'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^a loader for "/);
      expect(warn.mock.contexts.some((logger) => (logger as unknown as { context?: string }).context === 'Tiercache')).toBe(true);
    } finally {
      warn.mockRestore();
      await moduleRef.close();
    }
  });
});
