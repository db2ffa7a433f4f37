export default async function globalTeardown(): Promise<void> {
  await globalThis.__TIERCACHE_REDIS__?.stop();
}
