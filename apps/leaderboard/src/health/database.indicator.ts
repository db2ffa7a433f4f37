import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Database } from '../db/database.js';

/** Runs `SELECT 1`; down when it fails or takes longer than `timeoutMs`. Never throws. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly db: Database,
  ) {}

  async ping<const Key extends string>(key: Key, timeoutMs = 1_000): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`SELECT 1 took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return indicator.up({ engine: this.db.engine, pingMs: Math.round((performance.now() - started) * 100) / 100 });
    } catch (error) {
      return indicator.down({ engine: this.db.engine, message: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}
