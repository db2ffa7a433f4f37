import { createServer, type RequestListener } from 'node:http';
import { loadConfig } from './config.js';
import { answerWhileStarting } from './http/starting.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // The port opens first, before Nest and PGlite are even loaded, and answers while the database is
  // opened and seeded (see http/starting.ts); requests go to Nest once it is fully initialised.
  let handler: RequestListener = answerWhileStarting;
  const server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  const { port } = server.address() as { port: number };
  console.log(`Leaderboard: listening on http://localhost:${port} (starting)`);

  const [{ Logger }, { ExpressAdapter }, { createApp }] = await Promise.all([
    import('@nestjs/common'),
    import('@nestjs/platform-express'),
    import('./app.factory.js'),
  ]);
  try {
    const adapter = new ExpressAdapter();
    // Debug lines (every warmer tick and its progress) are for LOG_LEVEL-style troubleshooting, not the console.
    const app = await createApp(config, { logger: ['fatal', 'error', 'warn', 'log'], adapter });
    // SIGINT/SIGTERM run the shutdown hooks, which close the database, then end the process.
    app.enableShutdownHooks();
    handler = adapter.getInstance();
    new Logger('Leaderboard').log(`ready on http://localhost:${port}`);
  } catch (error) {
    server.close();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
