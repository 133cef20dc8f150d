#!/usr/bin/env node
// `npm start`: applies pending migrations, then serves GraphQL until SIGINT/SIGTERM.
import { createServices } from './app/services.js';
import { ConfigError, loadSettings, packageVersion } from './config/settings.js';
import { startServer, type RunningServer } from './http/app.js';
import { configureLogging, defaultLevel, log } from './observability/log.js';
import { startTracing } from './observability/tracing.js';

export async function serve(): Promise<void> {
  const settings = loadSettings();
  // A server's output is its log: JSON lines on stdout (pretty on a terminal).
  configureLogging({ output: 'stdout', level: settings.logging.level ?? defaultLevel(), format: settings.logging.format });
  const tracing = await startTracing({ ...settings.tracing, version: packageVersion() });
  const services = await createServices(settings);
  // Search indexes are built (or read) now, not by the first user's request; then, once it listens
  // and has started its work, the server sends itself one request. /readyz waits for both (from before
  // the server listens). prepareSearch logs its own failures and never rejects.
  let listening!: (server: RunningServer) => void;
  const started = new Promise<RunningServer>((resolve) => (listening = resolve));
  void services.prepareSearch(async () => (await started).warmUp());
  const server = await startServer(services);
  // The warm-up comes after the start of work (the job table's sweep, the worker): that start would
  // otherwise share the first users' time.
  await services.startWork();
  listening(server);
  const logger = log('server');
  logger.info(
    { url: server.url, dashboard: server.dashboardUrl, database: services.db.kind, vectorStore: settings.vectors.kind, version: services.version },
    `Segment API ready at ${server.url} (database: ${services.db.kind})`,
  );
  if (server.dashboardUrl) logger.info(`Dashboard at ${server.dashboardUrl} (log in with an API key)`);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, `${signal}: shutting down`);
    await server.stop();
    await services.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((error: unknown) => {
    // A bad setting's message says what to fix; anything else is a bug: its stack.
    if (error instanceof ConfigError) console.error(error.message);
    else log('server').fatal({ err: error }, 'the server could not start');
    process.exit(1);
  });
}
