import { invalidOption } from '@tiercache/core';

/**
 * Imports an optional peer dependency, or fails with what to install instead of Node's bare
 * "Cannot find package 'x'".
 */
export async function loadPeer<T>(name: string, neededFor: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw invalidOption(neededFor, `${neededFor} need the package ${name}: npm install ${name}`, error);
    }
    throw error;
  }
}
