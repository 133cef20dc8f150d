// A worker serves no GraphQL, but its orchestrator still asks whether it lives and is ready, and
// Prometheus scrapes its job metrics: the probes alone, on HOST:PORT.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Services } from '../app/services.js';
import { mountProbes } from './probes.js';

export async function startProbeServer(services: Services): Promise<{ url: string; stop(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  mountProbes(app, services);
  const server = http.createServer(app);
  const { host, port } = services.settings.http;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
