/** Where Tiercache reports state changes; Nest's Logger fits, and so does `console`. */
export interface CacheLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
