#!/usr/bin/env node
// `npm start`: applies pending migrations, then serves GraphQL until SIGINT/SIGTERM.
import { createServices } from './app/services.js';
import { ConfigError, loadSettings } from './config/settings.js';
import { startServer } from './http/app.js';

export async function serve(): Promise<void> {
  const services = await createServices(loadSettings());
  const server = await startServer(services);
  await services.startWork();
  console.log(`Segment API ready at ${server.url} (database: ${services.db.kind})`);
  if (server.dashboardUrl) console.log(`Dashboard at ${server.dashboardUrl} (log in with an API key)`);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: shutting down`);
    await server.stop();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((error: unknown) => {
    // A bad setting's message says what to fix; anything else is a bug: its stack.
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
