// A real service for tests: real database (per target), real HTTP server on a free port, and a real
// GraphQL client talking to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { createServices, type AppServices } from '../../src/app/services.js';
import { loadSettings, type DatabaseSettings, type Settings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/http/app.js';
import type { DatabaseTarget } from './databases.js';

export function testSettings(database: DatabaseSettings, env: Record<string, string> = {}): Settings {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-api-test-'));
  // Live updates off unless a test asks for them: most suites embed and segment by hand and count
  // what those jobs wrote, which a background round would race.
  const settings = loadSettings({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LIVE_UPDATES: 'false', ...env });
  return { ...settings, database };
}

export interface TestApp {
  services: AppServices;
  server: RunningServer;
  /** A GraphQL client with an admin key. */
  client: GraphQLClient;
  keys: Record<'admin' | 'marketer' | 'viewer', string>;
  /** A GraphQL client with the given key (or none). */
  clientWith(key?: string): GraphQLClient;
  close(): Promise<void>;
}

export async function startTestApp(target: DatabaseTarget, env: Record<string, string> = {}): Promise<TestApp> {
  const db = await target.create();
  const services = await createServices(testSettings(db.settings, env));
  const server = await startServer(services);
  await services.startWork();
  const keys = {
    admin: (await services.apiKeys.create('test admin', 'ADMIN')).key,
    marketer: (await services.apiKeys.create('test marketer', 'MARKETER')).key,
    viewer: (await services.apiKeys.create('test viewer', 'VIEWER')).key,
  };
  const clientWith = (key?: string) => new GraphQLClient(server.url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return {
    services,
    server,
    client: clientWith(keys.admin),
    keys,
    clientWith,
    close: async () => {
      await server.stop();
      await services.close();
      await db.drop();
    },
  };
}

/** Sends a request and returns the raw GraphQL response, errors included (graphql-request throws on errors). */
export async function rawGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  key?: string,
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorShape[] } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown> & { code?: string };
}

/** Runs a request through the GraphQL client and returns the errors it was answered with. */
export async function graphQLErrors(request: Promise<unknown>): Promise<GraphQLErrorShape[]> {
  try {
    await request;
  } catch (error) {
    const response = (error as { response?: { errors?: GraphQLErrorShape[] } }).response;
    if (response?.errors) return response.errors;
    throw error;
  }
  throw new Error('expected the request to fail with GraphQL errors, but it succeeded');
}
