import { ErrorCode, TiercacheError } from '@tiercache/core';

/**
 * Imports an optional peer dependency, or fails with what to install instead of Node's bare
 * "Cannot find package 'x'". `what` is the feature that needs it, as the user wrote it.
 */
export async function loadPeer<T>(name: string, what: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new TiercacheError(
        ErrorCode.InvalidOption,
        `${what} requires the optional peer dependency ${name}, which is not installed. Run: npm install ${name}`,
        { cause: error },
      );
    }
    throw error;
  }
}
