import { PGlite } from '@electric-sql/pglite';
import { Database, type Queryable } from './database.js';

/** Postgres compiled to WASM, in memory: the app runs with no server to install. */
export class PgliteDatabase extends Database {
  readonly engine = 'PGlite (in-memory)';

  private constructor(private readonly pg: PGlite) {
    super();
  }

  static async open(): Promise<PgliteDatabase> {
    return new PgliteDatabase(await PGlite.create());
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pg.query<T>(sql, [...params]);
    return result.rows;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, [...params])).rows,
      }),
    );
  }

  close(): Promise<void> {
    return this.pg.close();
  }
}
