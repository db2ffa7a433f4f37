import { Logger } from '@nestjs/common';
import pg from 'pg';
import { Database, type Queryable } from './database.js';

/** A PostgreSQL server reached through a `pg` connection pool. */
export class PostgresDatabase extends Database {
  readonly engine: string;
  private readonly pool: pg.Pool;
  private readonly logger = new Logger('Database');

  constructor(url: string) {
    super();
    this.pool = new pg.Pool({ connectionString: url });
    // An idle client whose connection drops emits 'error' on the pool; unhandled, it would crash the
    // process, while the next query simply gets a fresh connection.
    this.pool.on('error', (error) => this.logger.warn(`idle connection lost: ${error.message}`));
    this.engine = `PostgreSQL (${describe(url)})`;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, [...params]);
    return result.rows as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // Every statement of a transaction must go through the same connection, so one is held for it.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, [...params])).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Host and database name only: the URL may carry a password, and this ends up in logs. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'unparseable DATABASE_URL';
  }
}
