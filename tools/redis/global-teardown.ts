export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.__TIERCACHE_REDIS__?.stop(), globalThis.__TIERCACHE_REDIS_CLUSTER__?.stop()]);
}
