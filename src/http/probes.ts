// What an orchestrator and a monitoring system ask of every process, API or worker alike:
//   /healthz  liveness: the process runs (no dependency is asked: restarting would not mend one);
//   /readyz   readiness: the database (migrated) and the vector store answer now; 503 when not;
//   /metrics  Prometheus metrics, for METRICS_TOKEN as a bearer token, or an admin API key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import { keyFromHeaders, roleAllows } from '../auth/api-keys.js';
import type { Services } from '../app/services.js';
import { log } from '../observability/log.js';
import { registry } from '../observability/metrics.js';

export function mountProbes(app: Express, services: Pick<Services, 'readiness' | 'apiKeys' | 'settings' | 'version'>): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: services.version });
  });
  app.get('/readyz', (_req, res) => {
    services.readiness().then(
      (r) => {
        res.setHeader('cache-control', 'no-store');
        // The probe is public: it says which check failed and how, never the error's text (hosts,
        // addresses, SQL), which goes to the log for the operator.
        const failed = r.checks.filter((c) => !c.ok && c.name !== 'migrations');
        if (failed.length) log('http').warn({ checks: failed }, 'not ready');
        const checks = r.checks.map((c) =>
          c.ok || c.name === 'migrations' ? c : { ...c, detail: c.detail?.startsWith('no answer within') ? c.detail : 'failed (see the log)' },
        );
        res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', checks });
      },
      (error: unknown) => {
        log('http').error({ err: error }, 'readiness check failed');
        res.status(503).json({ status: 'not ready' });
      },
    );
  });
  app.get('/metrics', (req, res) => {
    void serveMetrics(services, req, res);
  });
}

async function serveMetrics(services: Pick<Services, 'apiKeys' | 'settings'>, req: Request, res: Response): Promise<void> {
  const presented = keyFromHeaders(req.headers);
  const token = services.settings.http.metricsToken;
  // Only what looks like an admin key is looked up: anything else costs no database query.
  const allowed =
    presented !== undefined &&
    ((token !== undefined && sameSecret(presented, token)) ||
      (presented.startsWith('sk_admin_') &&
        (await services.apiKeys.authenticate(presented).then(
          (p) => p !== undefined && roleAllows(p.role, 'ADMIN'),
          () => false,
        ))));
  if (!allowed) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).type('text/plain').send('Metrics need METRICS_TOKEN or an admin API key as a bearer token.\n');
    return;
  }
  res.setHeader('content-type', registry.contentType);
  res.send(await registry.metrics());
}

/** Compared as digests, so neither the time taken nor an early length mismatch tells anything about the token. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
