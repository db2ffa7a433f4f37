import { Logger } from '@nestjs/common';
import type { CacheLogger } from '@tiercache/core';

/**
 * The engine prefixes its messages with "Tiercache: " for loggers without a context (`console`). Nest's
 * Logger already prints the context, so "[Tiercache] Tiercache: …" would say it twice: drop the prefix.
 */
export function nestCacheLogger(context: string): CacheLogger {
  const logger = new Logger(context);
  const strip = (message: string): string => (typeof message === 'string' ? message.replace(/^Tiercache: /, '') : message);
  return {
    log: (message) => logger.log(strip(message)),
    warn: (message) => logger.warn(strip(message)),
    error: (message) => logger.error(strip(message)),
  };
}
