// One line per request, and the request's id on everything it causes. The id is the client's
// X-Request-Id when sane, else a new one; it is echoed in the response, carried (AsyncLocalStorage)
// into every log line written while serving the request and into the jobs it starts. The access line
// says what was asked (GraphQL operation name), by whom (key id, never the key), how it ended (HTTP
// status, GraphQL error codes) and how long it took; the same figures feed the latency histogram.
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { log } from '../observability/log.js';
import { operationLabel, requestDuration } from '../observability/metrics.js';
import { requestIdFrom, runWithRequestId } from '../observability/request-context.js';
import { endSpan, startRequestSpan } from '../observability/tracing.js';

/** What the GraphQL layer learns about a request, for its access line (res.locals.access). */
export interface AccessRecord {
  requestId: string;
  operation?: string;
  /** The operation parsed and validated against the schema (the metrics' label; a name alone is the client's word). */
  resolved?: boolean;
  errorCodes: string[];
  keyId?: number;
}

/** Probes and static files: at debug level (a scrape every few seconds would bury the requests that matter). */
const QUIET = /^\/(?:(healthz|readyz|metrics)$|assets\/|favicon\.)/;

export function accessLog(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    // Now, before a mounted router rewrites req.url to its own part.
    const path = req.path;
    const access: AccessRecord = { requestId: requestIdFrom(req.headers['x-request-id']), errorCodes: [] };
    res.locals.access = access;
    res.setHeader('X-Request-Id', access.requestId);
    const span = startRequestSpan(`${req.method} ${routeOf(path)}`, req.headers, {
      'http.request.method': req.method,
      'url.path': path,
      'segment_api.request_id': access.requestId,
    });
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const seconds = (performance.now() - started) / 1000;
      const route = routeOf(path);
      const aborted = !res.writableFinished;
      const outcome = access.errorCodes[0] ?? (aborted ? 'ABORTED' : res.statusCode >= 400 ? `HTTP_${res.statusCode}` : 'ok');
      // Operation names label the histogram only for valid operations of a known key: names are the
      // client's own words, and the series they make are capped (operationLabel).
      const operation = route !== 'graphql' ? '' : access.resolved && access.keyId !== undefined ? operationLabel(access.operation) : 'unauthenticated';
      requestDuration.observe({ route, operation, outcome }, seconds);
      const line = {
        requestId: access.requestId,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round(seconds * 10_000) / 10,
        ...(access.operation ? { operation: access.operation } : {}),
        ...(access.errorCodes.length ? { errorCodes: [...new Set(access.errorCodes)] } : {}),
        ...(access.keyId !== undefined ? { keyId: access.keyId } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      endSpan(
        span,
        {
          'http.response.status_code': res.statusCode,
          ...(access.operation ? { 'graphql.operation.name': access.operation } : {}),
          ...(access.errorCodes.length ? { 'segment_api.error_codes': [...new Set(access.errorCodes)] } : {}),
          ...(access.keyId !== undefined ? { 'segment_api.key_id': access.keyId } : {}),
        },
        res.statusCode >= 500 || aborted ? outcome : undefined,
      );
      const logger = log('http');
      if (QUIET.test(path)) logger.debug(line, 'request');
      else if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    };
    res.once('finish', done);
    res.once('close', done);
    runWithRequestId(access.requestId, next);
  };
}

/**
 * Re-enters the request's context: body parsing resumes on the socket's callbacks, outside it, so
 * handlers mounted after a body parser would otherwise log without the id.
 */
export function requestContext(): RequestHandler {
  return (_req, res, next) => {
    const access = res.locals.access as AccessRecord | undefined;
    if (access) runWithRequestId(access.requestId, next);
    else next();
  };
}

/** Tells the access line the operation's name and the error codes of the answer. */
export function accessLogPlugin<C extends { access?: AccessRecord }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName, operation }) {
          if (!contextValue.access) return;
          contextValue.access.operation = operationName ?? operation?.name?.value ?? undefined;
          contextValue.access.resolved = true;
        },
        async willSendResponse({ contextValue, response, request }) {
          const access = contextValue.access;
          if (!access) return;
          access.operation ??= request.operationName ?? undefined;
          if (response.body.kind === 'single') {
            for (const e of response.body.singleResult.errors ?? [])
              access.errorCodes.push(typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR');
          }
        },
      };
    },
  };
}

function routeOf(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (/^\/audiences\/[^/]+\/members\.csv$/.test(path)) return 'audience_csv';
  // A fixed set of labels, whatever the path: a client must not mint a series per request.
  const probe = QUIET.exec(path)?.[1];
  if (probe) return probe;
  if (path.startsWith('/assets/') || path === '/') return 'dashboard';
  return 'other';
}
