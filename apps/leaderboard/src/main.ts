import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Debug lines (every warmer tick and its progress) are for LOG_LEVEL-style troubleshooting, not the console.
  const app = await createApp(config, { logger: ['fatal', 'error', 'warn', 'log'] });
  // SIGINT/SIGTERM run the shutdown hooks, which close the database.
  app.enableShutdownHooks();
  await app.listen(config.port);
  new Logger('Leaderboard').log(`listening on ${await app.getUrl()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
