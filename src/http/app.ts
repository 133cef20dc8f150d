// The HTTP surface: GraphQL at /graphql, the probes (/healthz, /readyz) and /metrics, audience CSVs,
// and the dashboard at /. Every request gets an id and one access line (access-log.ts).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { keyFromHeaders, type Principal } from '../auth/api-keys.js';
import { createErrorFormatter } from '../graphql/errors.js';
import { deadlinePlugin } from '../graphql/deadline.js';
import { MAX_ALIASES, MAX_COST, MAX_DEPTH, MAX_ROOT_FIELDS, queryLimitsPlugin } from '../graphql/limits.js';
import { DataVersion, responseCache } from '../graphql/response-cache.js';
import { createRateLimit } from './rate-limit.js';
import { accessLog, accessLogPlugin, requestContext, type AccessRecord } from './access-log.js';
import { mountProbes } from './probes.js';
import { log } from '../observability/log.js';
import { createLoaders } from '../graphql/loaders.js';
import { streamAudienceCsv } from './audience-csv.js';
import type { Services } from '../app/services.js';
import type { GraphQLContext } from '../graphql/context.js';
import { buildSchema } from '../graphql/schema.js';

/**
 * The dashboard: a static single-page app, a client of /graphql like any other. Hashed assets are
 * immutable; index.html is revalidated so a new build is picked up at once.
 */
function serveDashboard(app: express.Express, dir: string | undefined): boolean {
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Segment API: GraphQL at /graphql. The dashboard is not built here (npm run build:web).\n');
    });
    return false;
  }
  app.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.get('/', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return true;
}

export interface RunningServer {
  url: string;
  /** Where the dashboard is served; undefined when it is not built. */
  dashboardUrl?: string;
  port: number;
  /**
   * Sends the server one request of its own (the `health` query) through the whole path a client's
   * takes — HTTP, rate limit, Apollo's parse, validate and execute, the database — so the first user
   * after a start does not pay for what runs only once (tens of milliseconds on the first request).
   */
  warmUp(): Promise<void>;
  stop(): Promise<void>;
}

/** What the server asks itself before it says ready: the reads a dashboard sends first. */
const WARM_UP_QUERY = `query ($id: ID!, $seeds: [ID!]!) {
  segments { id name size }
  customer(id: $id) {
    similarCustomers(limit: 10) { score customer { id } }
    recommendedProducts(limit: 10) { score product { id } }
  }
  lookalikeAudience(seeds: $seeds, size: 100) { size quality { recall } }
}`;
// MARKETER: the lookalike needs it; the query is this fixed text and reads only.
const WARM_UP_READER: Principal = { keyId: -1, name: 'warm-up', role: 'MARKETER', actor: 'serve (warm-up)' };

/** A GraphQL batch of 10,000 orders with their lines is a few MB of JSON. */
const MAX_BODY = '64mb';

export async function startServer(services: Services): Promise<RunningServer> {
  const app = express();
  // Express then takes req.ip (the rate limit's bucket without a key) from X-Forwarded-For, as far as
  // the trusted proxies go; unset, the header is ignored (a client could otherwise pick its own bucket).
  if (services.settings.http.trustProxy !== undefined) app.set('trust proxy', services.settings.http.trustProxy);
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // Longer than any client or proxy keeps an idle connection, so the server never closes one that
  // a client is about to reuse (the keep-alive race that surfaces as "fetch failed").
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const exposeInternals = services.settings.env === 'development';
  const schema = await buildSchema();
  const dataVersion = new DataVersion();
  const cacheBytes = services.settings.http.responseCacheBytes;
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: services.settings.http.introspection,
    includeStacktraceInErrorResponses: exposeInternals,
    formatError: createErrorFormatter({ exposeInternals, log: (e) => log('graphql').error({ err: e }, 'unexpected error in a resolver') }),
    plugins: [
      accessLogPlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      deadlinePlugin(services.settings.http.deadlineMs),
      queryLimitsPlugin(schema, {
        maxDepth: MAX_DEPTH,
        maxCost: MAX_COST,
        maxAliases: MAX_ALIASES,
        maxRootFields: MAX_ROOT_FIELDS,
        introspection: services.settings.http.introspection,
      }),
      // The response cache decides what is kept itself (response-cache.ts), not from per-field hints.
      ApolloServerPluginCacheControlDisabled(),
      ...responseCache({ version: dataVersion, maxBytes: cacheBytes }),
      ...(services.settings.env === 'production' ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();
  const rateLimit = createRateLimit(
    services.settings.http.rateLimit,
    services.settings.database,
    async (key) => (await services.apiKeys.authenticate(key)) !== undefined,
  );

  app.use(accessLog());
  mountProbes(app, services);
  app.use(
    '/graphql',
    (req, res, next) => rateLimit.middleware(req, res, next),
    express.json({ limit: MAX_BODY }),
    requestContext(),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => {
        const access = res.locals.access as AccessRecord;
        const check = await services.apiKeys.check(keyFromHeaders(req.headers));
        if (check && check.status !== 'valid') {
          // A key that was sent but does not work is refused outright, not served as "no key":
          // the client learns at once that it was revoked or has expired.
          access.errorCodes.push('UNAUTHENTICATED');
          throw new GraphQLError(`This API key is ${check.status === 'unknown' ? 'not known' : check.status}.`, {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        const principal = check?.principal;
        access.keyId = principal?.keyId;
        return { services, principal, loaders: createLoaders(services), access };
      },
    }),
  );
  // The export reads a whole audience: it is charged to the same budget as the API.
  app.get(
    '/audiences/:id/members.csv',
    (req, res, next) => rateLimit.middleware(req, res, next),
    (req, res, next) => void streamAudienceCsv(services, req, res).catch(next),
  );
  const dashboard = serveDashboard(app, services.settings.http.dashboardDir);
  // Body-parser failures (bad JSON, too large) answer in GraphQL's error shape, never as an HTML 500.
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    // Body parsing failed outside the request's context: its id is named here.
    const requestId = (res.locals.access as AccessRecord | undefined)?.requestId;
    if (res.headersSent) return next(error);
    const status = error.status && error.status < 500 ? error.status : 500;
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    if (status >= 500) log('http').error({ err: error, requestId }, 'request failed');
    res.status(status).json({
      errors: [{ message: status < 500 ? error.message : 'Internal server error.', extensions: { code } }],
    });
  });

  const { host, port } = services.settings.http;
  // Listening for changes before the first request can fill the cache.
  const stopListening = cacheBytes > 0 ? await services.db.listenForChanges(dataVersion) : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => resolve());
    });
  } catch (error) {
    await stopListening?.();
    throw error;
  }
  const actualPort = (httpServer.address() as AddressInfo).port;
  // Where this process reaches itself: the loopback of an any-address, an IPv6 address in brackets.
  const self = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const origin = `http://${self.includes(':') ? `[${self}]` : self}:${actualPort}`;
  return {
    url: `${origin}/graphql`,
    dashboardUrl: dashboard ? `${origin}/` : undefined,
    port: actualPort,
    warmUp: async () => {
      // The HTTP path, as a client without a key takes it.
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'warm-up' },
        body: JSON.stringify({ query: '{ health { status } }' }),
      });
      await response.arrayBuffer();
      // A key's lookup (a random one: found by no one, its "unknown" cached under its own hash only).
      await services.apiKeys.check(`warm-up-${randomUUID()}`);
      // The resolvers, their SQL and the vector store, for one customer, with a reader that no key can
      // be (key id −1: what the response cache keeps under it is never read by a client).
      const some = await services.customers.first(5);
      if (some.length === 0) return;
      const result = await apollo.executeOperation(
        { query: WARM_UP_QUERY, variables: { id: some[0]!.externalId, seeds: some.map((c) => c.externalId) } },
        { contextValue: { services, principal: WARM_UP_READER, loaders: createLoaders(services) } },
      );
      // A shop not embedded yet has no vector to look alike from (BAD_USER_INPUT): nothing to warn of.
      const errors = (result.body.kind === 'single' ? (result.body.singleResult.errors ?? []) : []).filter((e) => e.extensions?.code !== 'BAD_USER_INPUT');
      if (errors.length) log('server').warn({ errors }, 'the warm-up query answered with errors');
    },
    stop: async () => {
      await apollo.stop();
      await stopListening?.();
      await rateLimit.close();
    },
  };
}
