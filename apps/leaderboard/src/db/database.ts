/** Anything that runs one SQL statement: the database itself, or a transaction in progress. */
export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The app's only way to the database. Services inject this abstract class, so the engine behind it
 * (embedded PGlite or a PostgreSQL server) is chosen once, in DatabaseModule, and both run the same
 * PostgreSQL-dialect SQL.
 */
export abstract class Database implements Queryable {
  /** Which engine answers, for logs. */
  abstract readonly engine: string;

  abstract query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  abstract transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;

  abstract close(): Promise<void>;
}
